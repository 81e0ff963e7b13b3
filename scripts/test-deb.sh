#!/usr/bin/env bash
# test-deb.sh OLD.deb NEW.deb OTHER.deb...: the package's acceptance, as
# root on Debian. lintian finds no errors in OLD and the OTHERs; OLD (amd64)
# installs with dpkg -i, systemd-analyze verify accepts its unit, and faxd
# runs as the faxbox user with the installed configuration (filled in as
# an installer would) and the unit's ExecStart and capabilities, and
# answers HTTPS on port 443; credit and a message made through the API
# survive an upgrade to NEW (a higher version); purge leaves nothing.
# systemd is not PID 1 in CI's container, so the unit's sandbox itself is
# not exercised here; faxd is started as the unit would start it.
# Never skips: a missing tool or not being root fails.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: test-deb.sh OLD.deb NEW.deb [OTHER.deb...]" >&2; exit 2; }
old=$1 new=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "test-deb.sh installs a package: run it as root (CI does)"
for t in dpkg dpkg-deb lintian systemd-analyze setpriv curl jq; do
	command -v "$t" >/dev/null || fail "$t is missing (make deps installs it)"
done
passed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }

work=$(mktemp -d)
pid=
stop_faxd() {
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=
}
cleanup() {
	stop_faxd
	if dpkg-query -W -f='${Status}' faxbox 2>/dev/null | grep -q installed; then dpkg --purge faxbox >/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT
# A run that died before its cleanup left the package behind.
if dpkg-query -W -f='${Status}' faxbox 2>/dev/null | grep -q 'ok installed'; then
	echo "purging a faxbox package left by an earlier run" >&2
	dpkg --purge faxbox >/dev/null
fi

echo "== lintian"
release=("$old" "${@:3}") # NEW differs from OLD in its version only
lintian --fail-on error --suppress-tags no-manual-page "${release[@]}" || fail "lintian found errors"
ok "lintian: no errors in ${release[*]}"

echo "== install $old"
dpkg -i "$old" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i $old"; }
[ -x /usr/bin/faxd ] || fail "no /usr/bin/faxd"
grep -qx /etc/faxbox/faxbox.toml /var/lib/dpkg/info/faxbox.conffiles || fail "faxbox.toml is not a conffile"
groups=$(id -nG faxbox) || fail "no faxbox user"
for g in dialout audio; do [[ " $groups " == *" $g "* ]] || fail "faxbox is not in $g: $groups"; done
[ "$(stat -c %U:%a /var/lib/faxbox)" = faxbox:700 ] || fail "/var/lib/faxbox is $(stat -c %U:%a /var/lib/faxbox)"
systemd-analyze verify /usr/lib/systemd/system/faxbox.service || fail "systemd-analyze verify"
ok "installed: user faxbox ($groups), data directory, conffile; systemd-analyze verify accepts the unit"

# The installer fills in the keys marked SET, and gives scripts a token.
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
install -o faxbox -g faxbox -m 0600 /dev/null /etc/faxbox/api-token
echo "$token" >/etc/faxbox/api-token
sed -i -e 's|^fax_number = ""|fax_number = "+3225550100"|' \
	-e 's|^api_token_file = ""|api_token_file = "/etc/faxbox/api-token"|' /etc/faxbox/faxbox.toml
exec_start=$(sed -n 's/^ExecStart=//p' /usr/lib/systemd/system/faxbox.service)

start_faxd() { # as the unit: user faxbox, its groups, CAP_NET_BIND_SERVICE only
	setpriv --reuid=faxbox --regid=faxbox --init-groups --inh-caps=-all,+net_bind_service \
		--ambient-caps=+net_bind_service --bounding-set=-all,+net_bind_service --no-new-privs \
		-- $exec_start >>"$work/faxd.log" 2>&1 &
	pid=$!
	for _ in $(seq 300); do
		if curl -skf -o /dev/null https://127.0.0.1/auth/state; then return 0; fi
		kill -0 "$pid" 2>/dev/null || { cat "$work/faxd.log"; fail "faxd exited"; }
		sleep 0.1
	done
	cat "$work/faxd.log"
	fail "faxd does not answer https://127.0.0.1/ within 30 s"
}
api() { # api METHOD PATH [curl args...]
	local m=$1 p=$2
	shift 2
	curl -sk --fail-with-body -X "$m" -H "Authorization: Bearer $token" "$@" "https://127.0.0.1$p"
}

echo "== faxd as faxbox"
start_faxd
[ "$(ps -o user= -p "$pid")" = faxbox ] || fail "faxd runs as $(ps -o user= -p "$pid")"
curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/ | grep -q '^30[1278]$' || fail "port 80 does not redirect"
ok "faxd runs as faxbox, answers https://127.0.0.1:443/ and redirects port 80"
api POST /api/account/adjust -H 'Content-Type: application/json' -d '{"amount": "42.00", "reason": "test credit"}' >/dev/null ||
	fail "adjusting the balance"
id=$(api POST /api/messages -F to=+3225551212 -F subject="Before the upgrade" -F body="Kept across upgrades." | jq -e .id) ||
	fail "creating a message"
balance=$(api GET /api/account | jq -r .balance)
ok "message $id created, balance $balance"

echo "== upgrade to $new"
stop_faxd # systemd would: the new postinst restarts the service
dpkg -i "$new" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i $new"; }
want=$(dpkg-deb -f "$new" Version)
[ "$(dpkg-query -W -f='${Version}' faxbox)" = "$want" ] || fail "version after the upgrade: $(dpkg-query -W -f='${Version}' faxbox)"
grep -q '^fax_number = "+3225550100"' /etc/faxbox/faxbox.toml || fail "the upgrade lost the installer's configuration"
start_faxd
subject=$(api GET "/api/messages/$id" | jq -r .subject) || fail "message $id after the upgrade"
[ "$subject" = "Before the upgrade" ] || fail "message $id's subject is $subject"
after=$(api GET /api/account | jq -r .balance)
[ "$after" = "$balance" ] || fail "balance $balance before the upgrade, $after after"
ok "upgraded to $want: message $id and balance $after kept, configuration kept"

echo "== purge"
stop_faxd
dpkg --purge faxbox >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg --purge"; }
for f in /usr/bin/faxd /etc/faxbox /var/lib/faxbox /usr/lib/systemd/system/faxbox.service \
	/usr/lib/udev/rules.d/60-faxbox.rules /usr/lib/sysusers.d/faxbox.conf /usr/share/doc/faxbox; do
	[ ! -e "$f" ] || fail "$f left after purge"
done
! dpkg-query -W faxbox >/dev/null 2>&1 || dpkg-query -W -f='${Status}' faxbox | grep -q not-installed || fail "dpkg still lists faxbox"
ok "purged: no binary, configuration, data, unit or rules left"
echo "$passed passed, 0 failed"
