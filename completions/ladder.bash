# bash completion for ladder(1).  The candidates come from the option tables
# through the hidden `ladder __complete WORDS...`; "__file__"/"__dir__" ask
# for path completion.
_ladder()
{
	local cur=${COMP_WORDS[COMP_CWORD]} out
	out=$("${LADDER_COMPLETE_BIN:-ladder}" __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
	case $out in
	__file__)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		;;
	__dir__)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		;;
	*)
		mapfile -t COMPREPLY < <(compgen -W "$out" -- "$cur")
		;;
	esac
}
complete -F _ladder ladder
