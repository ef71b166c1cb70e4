# fish completion for ladder(1): candidates from `ladder __complete WORDS...`.
function __ladder_complete
	set -l words (commandline -opc) (commandline -ct)
	set -e words[1]
	set -l out (ladder __complete $words 2>/dev/null)
	switch "$out[1]"
		case __file__
			__fish_complete_path (commandline -ct)
		case __dir__
			__fish_complete_directories (commandline -ct)
		case '*'
			printf '%s\n' $out
	end
end
complete -c ladder -f -a '(__ladder_complete)'
