# Sourced by ./mvnw before it starts Maven: Mizani compiles, tests and runs on a JDK 21 or newer, while the
# machine's default java may be older. If neither JAVA_HOME nor the java on PATH is 21+, this looks for an
# installed JDK 21+ in the usual places and uses the newest; if there is none it says what to install, in one
# line, and stops. (The POM's toolchains plugin does the same for plain `mvn` and IDEs; this also gives the
# clear line, and lets Maven itself run on the JDK it compiles with.)

mizani_java_major() {
  "$1" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -n 1
}

# $1: a JDK home. True when it has java and javac and is 21 or newer.
mizani_jdk_fits() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  mizani_major=$(mizani_java_major "$1/bin/java")
  [ -n "$mizani_major" ] && [ "$mizani_major" -ge 21 ]
}

mizani_pick_jdk() {
  if [ -n "${JAVA_HOME-}" ]; then
    if mizani_jdk_fits "$JAVA_HOME"; then
      mizani_use "$JAVA_HOME"
      return 0
    fi
    mizani_found="JAVA_HOME is Java $(mizani_java_major "$JAVA_HOME/bin/java" || :)"
  else
    mizani_path_java=$(command -v java 2>/dev/null || :)
    if [ -n "$mizani_path_java" ]; then
      mizani_path_home=$(dirname "$(dirname "$(readlink -f "$mizani_path_java" 2>/dev/null || echo "$mizani_path_java")")")
      mizani_jdk_fits "$mizani_path_home" && return 0
      mizani_found="the java on PATH is Java $(mizani_java_major "$mizani_path_java")"
    else
      mizani_found="there is no java on PATH"
    fi
  fi
  mizani_best="" mizani_best_major=0
  set +f # mvnw runs with globbing off
  for mizani_candidate in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
      "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home \
      "$HOME"/Library/Java/JavaVirtualMachines/*/Contents/Home; do
    if mizani_jdk_fits "$mizani_candidate" && [ "$mizani_major" -gt "$mizani_best_major" ]; then
      mizani_best=$mizani_candidate mizani_best_major=$mizani_major
    fi
  done
  set -f
  if [ -z "$mizani_best" ]; then
    echo "Mizani needs a JDK 21 or newer and found none ($mizani_found): install one (Debian/Ubuntu: apt-get install openjdk-21-jdk-headless; elsewhere: https://adoptium.net) or set JAVA_HOME to it." >&2
    exit 1
  fi
  [ "${MIZANI_JDK_QUIET-}" = true ] || echo "mvnw: using the JDK $mizani_best_major at $mizani_best ($mizani_found)" >&2
  mizani_use "$mizani_best"
}

# Maven runs on it, and so does whatever the build starts as plain `java` (the hub, under exec:exec).
mizani_use() {
  JAVA_HOME=$1
  PATH="$1/bin:$PATH"
  export JAVA_HOME PATH
}

mizani_pick_jdk
