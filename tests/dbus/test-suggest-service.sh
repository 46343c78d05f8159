#!/bin/sh
# org.lightly.Suggest1 end to end on a private session bus:
#   test-suggest-service.sh SERVICE_EXE FIXTURE_EXE BUSY_CHECK_PY PROGRESS_CHECK_PY
# The service is D-Bus-activated (a .service file in a private servicedir),
# reads the default store under $XDG_DATA_HOME, and is called with
# `gdbus call`; BUSY_CHECK_PY sends two requests for one dataset at once;
# PROGRESS_CHECK_PY asks for a batch of 400 out of 4,000 samples, long
# enough for Progress values between 0 and 1 to arrive.
set -eu
service=$1
fixture=$2
busy_check=$3
progress_check=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export XDG_DATA_HOME="$work/data"
mkdir -p "$XDG_DATA_HOME" "$work/services"
dataset=$("$fixture" "$XDG_DATA_HOME/lightly" 4000 | tail -n 1)

cat > "$work/services/org.lightly.Suggest1.service" <<EOS
[D-BUS Service]
Name=org.lightly.Suggest1
Exec=$service
EOS
cat > "$work/session.conf" <<EOS
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=$work</listen>
  <servicedir>$work/services</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOS

export DATASET="$dataset" BUSY_CHECK="$busy_check" PROGRESS_CHECK="$progress_check"
dbus-run-session --config-file="$work/session.conf" -- sh -eu -c '
  call() { gdbus call --session --dest org.lightly.Suggest1 --object-path /org/lightly/Suggest1 \
             --method "org.lightly.Suggest1.$@"; }
  out=$(call ListDatasets)
  echo "ListDatasets: $out"
  case "$out" in *"$DATASET"*) ;; *) echo "dataset $DATASET not listed"; exit 1 ;; esac

  out=$(call Suggest "$DATASET" "[\"fmnist-00000.png\"]" 5 "@as []" "@ad []" 0)
  echo "Suggest: $out"
  n=$(printf "%s" "$out" | tr "," "\n" | grep -c "png")
  [ "$n" = 5 ] || { echo "expected 5 names, got $n"; exit 1; }
  case "$out" in *fmnist-00000.png*) echo "a labeled file was suggested"; exit 1 ;; esac

  if call Suggest "" "@as []" 5 "@as []" "@ad []" 0 2>/dev/null; then echo "empty id accepted"; exit 1; fi
  if call Suggest "$DATASET" "@as []" 5 "[\"a\"]" "[0.5]" 2 2>/dev/null; then echo "bad predictions accepted"; exit 1; fi
  out=$(call Cancel "$DATASET")
  [ "$out" = "(false,)" ] || { echo "Cancel with nothing running: $out"; exit 1; }
  /usr/bin/python3 "$BUSY_CHECK" "$DATASET"
  /usr/bin/python3 "$PROGRESS_CHECK" "$DATASET" 400
'
echo "org.lightly.Suggest1: activation, ListDatasets, Suggest, refusals, Cancel, BUSY and Progress ok"
