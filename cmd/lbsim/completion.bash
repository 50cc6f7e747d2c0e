# bash completion for lbsim. Load it with
#   source <(lbsim completion bash)
# or save it as ~/.local/share/bash-completion/completions/lbsim.
# lbsim itself decides what to offer: `lbsim __complete WORD...`.

_lbsim() {
	# bash splits words at = and : too; lbsim wants them as typed, so the
	# pieces that touch in the line are joined again (--format=json).
	local line=${COMP_LINE:0:COMP_POINT} words=() n=-1 i w sep
	for ((i = 0; i <= COMP_CWORD; i++)); do
		sep=${line%%[![:space:]]*}
		line=${line#"$sep"}
		w=${COMP_WORDS[i]}
		if ((i == COMP_CWORD)); then
			w=$line # the current word, up to the cursor
		fi
		if ((n < 0)) || [[ -n $sep ]]; then
			words[++n]=$w
		else
			words[n]+=$w
		fi
		line=${line#"$w"}
	done

	local out
	out=$("${COMP_WORDS[0]}" __complete "${words[@]:1}" 2>/dev/null) || return 0
	local lines=()
	mapfile -t lines <<<"$out"
	local directive=${lines[${#lines[@]} - 1]#:}
	unset 'lines[${#lines[@]}-1]'

	# Readline replaces only what follows the last = or : in the word.
	local cur=${words[n]} strip=
	if [[ $cur == *[=:]* && $COMP_WORDBREAKS == *[=:]* ]]; then
		strip=${cur%"${cur##*[=:]}"}
	fi
	COMPREPLY=()
	for w in "${lines[@]}"; do
		COMPREPLY+=("${w#"$strip"}")
	done
	case " $directive " in
	*" dirs "*)
		compopt -o filenames 2>/dev/null
		mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -d -- "${cur#"$strip"}")
		;;
	*" files "*)
		compopt -o filenames 2>/dev/null
		mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "${cur#"$strip"}")
		;;
	esac
	if [[ " $directive " == *" nospace "* ]]; then
		compopt -o nospace 2>/dev/null
	fi
	return 0
}

complete -F _lbsim lbsim
