# Sourced by read and watch: finds the LoadRun hub whose data is in $1/hub and defines envof (its environment) and
# classes (where the scripts' Java sources are compiled, with the platform module's classpath in $classes/cp).
set +f
run=${1:?the LoadRun output directory}
pid=$(for p in $(pgrep -f dev.mizani.hub.Main); do
  tr '\0' '\n' < /proc/$p/environ | grep -qx "MIZANI_DATA_DIR=$run/hub" && echo "$p"; done | head -1)
[ -n "$pid" ] || { echo "no hub process with MIZANI_DATA_DIR=$run/hub" >&2; exit 2; }
envof() { tr '\0' '\n' < /proc/$pid/environ | sed -n "s/^$1=//p"; }
classes=$PWD/target/transfer-budget
compiled() { # compiled <Name>: builds scripts/transfer-budget/<Name>.java once
  if [ ! -f "$classes/$1.class" ]; then
    mkdir -p "$classes"
    [ -f "$classes/cp" ] || ./mvnw -q -pl platform dependency:build-classpath -Dmdep.outputFile="$classes/cp" >/dev/null
    "$JAVA_HOME/bin/javac" -cp "$(cat "$classes/cp")" -d "$classes" "scripts/transfer-budget/$1.java"
  fi
}
