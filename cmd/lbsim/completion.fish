# fish completion for lbsim. Load it with
#   lbsim completion fish | source
# or save it as ~/.config/fish/completions/lbsim.fish.
# lbsim itself decides what to offer: `lbsim __complete WORD...`.

function __lbsim_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    set -l out (command $words[1] __complete $words[2..-1] "$cur" 2>/dev/null)
    or return
    set -l directive (string split ' ' -- (string replace -r '^:' '' -- $out[-1]))
    set -e out[-1]
    printf '%s\n' $out
    if contains -- dirs $directive; or contains -- files $directive
        # --out=DIR: the file name starts after the =.
        set -l flag (string match -r -- '^-[^=]*=' "$cur")
        set -l path (string replace -r -- '^-[^=]*=' '' "$cur")
        set -l found
        if contains -- dirs $directive
            set found (__fish_complete_directories "$path")
        else
            set found (__fish_complete_path "$path")
        end
        for f in $found
            echo "$flag$f"
        end
    end
end

complete -c lbsim -f -a '(__lbsim_complete)'
