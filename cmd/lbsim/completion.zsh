#compdef lbsim
# zsh completion for lbsim. Load it after compinit with
#   source <(lbsim completion zsh)
# or save it as _lbsim in a directory of $fpath.
# lbsim itself decides what to offer: `lbsim __complete WORD...`.

_lbsim() {
	local out directive
	local -a lines cands
	out=$("${words[1]}" __complete "${(@)words[2,CURRENT]}" 2>/dev/null) || return 1
	lines=("${(@f)out}")
	directive=${lines[-1]#:}
	cands=("${(@)lines[1,-2]}")

	local -a nospace
	[[ " $directive " == *" nospace "* ]] && nospace=(-S '')
	local ret=1
	(( ${#cands} )) && compadd "${nospace[@]}" -- "${cands[@]}" && ret=0
	case " $directive " in
	*" dirs "* | *" files "*)
		# --out=DIR: the file name starts after the =.
		[[ $PREFIX == -*=* ]] && compset -P '*='
		if [[ " $directive " == *" dirs "* ]]; then
			_files -/ && ret=0
		else
			_files && ret=0
		fi
		;;
	esac
	return ret
}

if [[ $funcstack[1] == _lbsim ]]; then
	# Autoloaded from $fpath: this file is the function's body.
	_lbsim "$@"
else
	compdef _lbsim lbsim
fi
