# zsh-complete.zsh SCRIPT LINE — loads the completion SCRIPT into an interactive zsh on a
# pseudo-terminal (zsh/zpty), types LINE and a Tab, and prints the matches zsh found, one a
# line: what a user pressing Tab would be offered. The matches are taken with compadd -O
# (the ones compadd itself accepts for the word typed); markers end each read, so nothing
# here waits for a time. Used by test/e2e/completion.test.ts.
zmodload zsh/zpty || exit 3
zpty z zsh -f -i
zpty -w z 'PROMPT= ; RPROMPT= ; autoload -U compinit && compinit -u -D'
zpty -w z "source ${(q)1} || print -r -- '<FAI''LED>'"
zpty -w z 'compadd() { local -a __m; builtin compadd -O __m "$@"; print -rl -- "${(@)__m/#/MATCH:}"; builtin compadd "$@" }'
zpty -w z '_tsnet_end() { print -r -- "<E""ND>"; }; comppostfuncs=(_tsnet_end)'
zpty -w z 'print -r -- "<RE""ADY>"'
zpty -r z out '*<(READY|FAILED)>*'
if [[ $out == *'<FAILED>'* ]]; then print -u2 -r -- "$out"; zpty -d z; exit 4; fi
zpty -w -n z "$2"$'\t'
zpty -r z out '*<END>*'
print -r -- "$out" | tr -d '\r' | sed -n 's/^.*MATCH://p'
zpty -d z
