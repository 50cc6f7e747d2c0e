#!/usr/bin/env bash
# Benchmarks `lbsim proxy` against nginx and HAProxy, each balancing least
# connections over the same four loopback backends with keep-alive to them,
# and prints a Markdown table of median req/s and p99 latency, with ratios to
# nginx.
#
#   bench/proxy.sh                       # 5 rounds of 10 s per proxy
#   ROUNDS=9 bench/proxy.sh              # steadier medians on a busy machine
#   DURATION=3s ROUNDS=1 bench/proxy.sh  # a quick try
#
# Options (environment):
#   DURATION     length of one measured wrk run (default 10s)
#   ROUNDS       measured runs per proxy, alternating proxies (default 5)
#   CONNECTIONS  wrk connections kept open (default 32)
#   LBSIM_PROCS  GOMAXPROCS for lbsim (default 1, like the others' single
#                worker; 0 = every core)
#   PROXIES      which proxies to run, in order (default "nginx haproxy lbsim");
#                ratios are to nginx, so they show only when nginx is run
#   IDLE         idle connection counts to measure memory at, after the load
#                runs (default "3000 10000"; empty skips it): each proxy gets
#                that many keep-alive connections, one request each, held
#                open, and the growth of its resident memory is reported
#                per connection (bench/idle)
#
# The table goes to stdout, progress and per-round figures to stderr.
set -euo pipefail

DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-5}
CONNECTIONS=${CONNECTIONS:-32}
PROXIES=${PROXIES:-nginx haproxy lbsim}
IDLE=${IDLE-3000 10000}
WARMUP=2s

BACKEND_PORTS=(9001 9002 9003 9004)
declare -A PORT=([nginx]=8081 [haproxy]=8082 [lbsim]=8085)

# nginx and haproxy live in /usr/sbin, which is not on a normal user's PATH.
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

log() { echo "proxy.sh: $*" >&2; }
die() {
	log "error: $*"
	exit 1
}

cd "$(dirname "${BASH_SOURCE[0]}")/.."

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, got '$ROUNDS'"
[[ $CONNECTIONS =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be a positive integer, got '$CONNECTIONS'"
read -r -a idle_counts <<<"$IDLE"
for n in "${idle_counts[@]}"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "IDLE must be positive integers, got '$IDLE'"
done
# Idle connections need file descriptors: take as many as allowed. HAProxy
# reserves two per connection (client and server side), so it holds half.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
FD_LIMIT=$(ulimit -n)
HAPROXY_MAXCONN=$((FD_LIMIT / 2 - 64))
read -r -a proxies <<<"$PROXIES"
((${#proxies[@]} > 0)) || die "PROXIES is empty"
for p in "${proxies[@]}"; do
	[[ -n ${PORT[$p]:-} ]] || die "unknown proxy '$p' in PROXIES (known: nginx haproxy lbsim)"
done
has() {
	local p
	for p in "${proxies[@]}"; do [[ $p == "$1" ]] && return 0; done
	return 1
}

# --- Tools -------------------------------------------------------------------

# Install only what is missing, so a machine that has it all needs no root.
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
has nginx && ! command -v nginx >/dev/null && missing+=(nginx)
has haproxy && ! command -v haproxy >/dev/null && missing+=(haproxy)
if ((${#missing[@]} > 0)); then
	sudo=()
	if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
	log "installing ${missing[*]}"
	"${sudo[@]}" apt-get update -qq
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
command -v go >/dev/null || die "go is not on PATH; it is needed to build lbsim and the backend"

# --- Processes and cleanup ---------------------------------------------------

tmp=$(mktemp -d)
# nginx started as root runs its worker as nobody, which must reach the temp
# paths inside this directory.
chmod 755 "$tmp"
pids=()

cleanup() {
	local pid
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME CMD...: run CMD in the background, output to $tmp/NAME.log.
start() {
	local name=$1
	shift
	"$@" >"$tmp/$name.log" 2>&1 &
	pids+=($!)
}

# A proxy or backend that cannot bind would exit, but one already on the port
# would answer in its place and be measured instead.
port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_ready NAME URL: wait up to 5 s for URL to answer 200, failing early if
# the last process started has exited.
wait_ready() {
	local name=$1 url=$2 pid=${pids[-1]}
	local deadline=$((${EPOCHREALTIME/./} + 5000000))
	while ((${EPOCHREALTIME/./} < deadline)); do
		if curl -fsS -o /dev/null --max-time 0.5 "$url" 2>/dev/null; then return 0; fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if [[ -s $tmp/$name.log ]]; then
		log "$name output:"
		tail -n 20 "$tmp/$name.log" >&2
	fi
	if kill -0 "$pid" 2>/dev/null; then
		die "$name did not answer on $url within 5 s"
	fi
	die "$name exited before answering on $url"
}

for port in "${BACKEND_PORTS[@]}" "${PORT[nginx]}" "${PORT[haproxy]}" "${PORT[lbsim]}"; do
	port_free "$port" || die "port $port on 127.0.0.1 is already in use"
done

# --- Build and backends ------------------------------------------------------

if has lbsim; then
	log "building bin/lbsim"
	go build -o bin/lbsim ./cmd/lbsim
fi
go build -o "$tmp/backend" ./bench/backend
go build -o "$tmp/idle" ./bench/idle

listen_args=()
for port in "${BACKEND_PORTS[@]}"; do listen_args+=(--listen "127.0.0.1:$port"); done
start backend "$tmp/backend" "${listen_args[@]}"
for port in "${BACKEND_PORTS[@]}"; do wait_ready backend "http://127.0.0.1:$port/"; done

# --- Proxies -----------------------------------------------------------------

start_nginx() {
	local servers="" port
	for port in "${BACKEND_PORTS[@]}"; do servers+="        server 127.0.0.1:$port;"$'\n'; done
	mkdir -p "$tmp/nginx"
	# keepalive_requests defaults to 1000 on both sides, after which nginx
	# closes the connection; HAProxy and lbsim keep theirs open, so lift it
	# to measure proxying rather than reconnects.
	cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
worker_rlimit_nofile $FD_LIMIT;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;

events {
    worker_connections $((FD_LIMIT - 100));
}

http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $tmp/nginx/client_body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;

    upstream backends {
        least_conn;
${servers}        keepalive 64;
        keepalive_requests 1000000;
    }

    server {
        listen 127.0.0.1:${PORT[nginx]};
        location / {
            proxy_pass http://backends;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # The headers lbsim adds, so that every proxy sends the
            # backends the same request.
            proxy_set_header X-Forwarded-For \$remote_addr;
            proxy_set_header X-Forwarded-Host \$http_host;
            proxy_set_header X-Forwarded-Proto \$scheme;
        }
    }
}
EOF
	# -e: nginx opens its built-in error log before reading the config,
	# which fails unprivileged; point it into the temp dir too.
	start nginx nginx -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf"
}

start_haproxy() {
	local servers="" port
	for port in "${BACKEND_PORTS[@]}"; do servers+="    server b$port 127.0.0.1:$port"$'\n'; done
	# No log directive anywhere: HAProxy logs nothing.
	cat >"$tmp/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn $HAPROXY_MAXCONN

defaults
    mode http
    option http-keep-alive
    http-reuse always
    timeout connect 5s
    timeout client 5m
    timeout server 30s

frontend bench
    bind 127.0.0.1:${PORT[haproxy]}
    # The headers lbsim adds, so that every proxy sends the backends the
    # same request.
    option forwardfor
    http-request set-header X-Forwarded-Host %[req.hdr(host)]
    http-request set-header X-Forwarded-Proto http
    default_backend backends

backend backends
    balance leastconn
${servers}
EOF
	# -db: stay in the foreground so that the cleanup's kill stops it.
	start haproxy haproxy -db -f "$tmp/haproxy.cfg"
}

start_lbsim() {
	local backends=() port
	for port in "${BACKEND_PORTS[@]}"; do backends+=(--backend "http://127.0.0.1:$port"); done
	# One core, like nginx's single worker and HAProxy's single thread;
	# LBSIM_PROCS=0 lets Go use every core.
	GOMAXPROCS=${LBSIM_PROCS:-1} start lbsim bin/lbsim proxy --listen "127.0.0.1:${PORT[lbsim]}" "${backends[@]}" \
		--algorithm least_connections --access-log off --admin off
}

declare -A PID
for p in "${proxies[@]}"; do
	log "starting $p on 127.0.0.1:${PORT[$p]}"
	"start_$p"
	PID[$p]=${pids[-1]}
	wait_ready "$p" "http://127.0.0.1:${PORT[$p]}/"
done

# --- Load --------------------------------------------------------------------

# to_ms VALUE: wrk's latency ("812.00us", "1.23ms", "2.01s") in milliseconds.
to_ms() {
	awk -v v="$1" 'BEGIN {
		n = v; sub(/[a-z]+$/, "", n)
		u = v; sub(/^[0-9.]+/, "", u)
		f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
		if (f < 0 || n == "") exit 1
		printf "%.3f\n", n * f
	}' || die "cannot read wrk latency '$1'"
}

# run_wrk PROXY DURATION: load PROXY and print "REQ/S P99_MS".
run_wrk() {
	local p=$1 out="$tmp/wrk-$1.out" rps p99
	wrk -t1 -c"$CONNECTIONS" -d"$2" --latency "http://127.0.0.1:${PORT[$p]}/" >"$out" 2>&1 ||
		{ cat "$out" >&2; die "wrk against $p failed"; }
	# Errors would make a proxy look fast for the wrong reason.
	if grep -q 'Non-2xx or 3xx responses' "$out"; then
		cat "$out" >&2
		die "$p answered with errors"
	fi
	if grep -q 'Socket errors' "$out"; then
		log "warning: $p: $(grep 'Socket errors' "$out" | sed 's/^ *//')"
	fi
	rps=$(awk '$1 == "Requests/sec:" { print $2 }' "$out")
	p99=$(awk '$1 == "99%" { print $2 }' "$out")
	[[ -n $rps && -n $p99 ]] || { cat "$out" >&2; die "cannot parse wrk output for $p"; }
	p99=$(to_ms "$p99")
	echo "$rps $p99"
}

# Warm up each proxy once (connection pools, caches, the Go runtime's heap)
# before any measured run.
for p in "${proxies[@]}"; do
	log "warming up $p ($WARMUP)"
	run_wrk "$p" "$WARMUP" >/dev/null
done

# Rounds alternate the proxies, so that drift on the machine (heat, other
# load) spreads over all of them instead of landing on one.
declare -A rps_all p99_all
for ((r = 1; r <= ROUNDS; r++)); do
	for p in "${proxies[@]}"; do
		result=$(run_wrk "$p" "$DURATION")
		read -r rps p99 <<<"$result"
		log "round $r/$ROUNDS $p: $rps req/s, p99 $p99 ms"
		rps_all[$p]+="$rps "
		p99_all[$p]+="$p99 "
	done
done

# --- Idle connections ------------------------------------------------------

# proc_tree PID: PID and its children (nginx's workers), comma-separated.
proc_tree() {
	local kids
	kids=$(pgrep -P "$1" | paste -sd, -)
	echo "$1${kids:+,$kids}"
}

declare -A idle_kb
for n in "${idle_counts[@]}"; do
	for p in "${proxies[@]}"; do
		if [[ $p == haproxy ]] && ((n > HAPROXY_MAXCONN)); then
			log "haproxy: $n idle connections are past its maxconn, $HAPROXY_MAXCONN with $FD_LIMIT file descriptors"
			idle_kb[$p,$n]="n/a (maxconn $HAPROXY_MAXCONN)"
			continue
		fi
		log "holding $n idle connections to $p"
		read -r before after per < <("$tmp/idle" -url "http://127.0.0.1:${PORT[$p]}/" -conns "$n" -pids "$(proc_tree "${PID[$p]}")") ||
			die "idle connections to $p failed"
		log "$p: resident $before KiB, $after KiB with $n idle connections: $per KiB each"
		idle_kb[$p,$n]=$per
	done
done

# --- Report ------------------------------------------------------------------

median() {
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 }
		END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# paired_ratio "A1 A2 ..." "B1 B2 ...": the median of the per-round ratios
# A_i / B_i. Rounds run back to back, so pairing them cancels the drift of a
# shared machine that medians taken apart keep.
paired_ratio() {
	local -a a b r
	read -r -a a <<<"$1"
	read -r -a b <<<"$2"
	local i
	for i in "${!a[@]}"; do r+=("$(awk -v x="${a[$i]}" -v y="${b[$i]}" 'BEGIN { printf "%.4f", x / y }')"); done
	printf '%.2f' "$(median "${r[@]}")"
}

declare -A rps_med p99_med
for p in "${proxies[@]}"; do
	# shellcheck disable=SC2086 # word-split on purpose: one value per round
	rps_med[$p]=$(median ${rps_all[$p]})
	# shellcheck disable=SC2086
	p99_med[$p]=$(median ${p99_all[$p]})
done

cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
versions=()
has nginx && versions+=("$(nginx -v 2>&1 | sed 's/^nginx version: //')")
# awk reads to the end where head would not: a writer cut off by SIGPIPE
# fails the pipeline, and with it the script, before the table is out.
has haproxy && versions+=("$(haproxy -v | awk 'NR == 1 { print "HAProxy " $3 }')")
has lbsim && versions+=("lbsim $(git describe --always --dirty 2>/dev/null || echo unknown)")
versions+=("wrk $( (wrk -v 2>&1 || true) | awk 'NR == 1 { print $2 }')")
versions+=("$(go version | awk '{ print $3 }')")

echo "## Proxy benchmark: least connections over ${#BACKEND_PORTS[@]} loopback backends"
echo
echo "\`wrk -t1 -c$CONNECTIONS -d$DURATION --latency\`, median of $ROUNDS round(s) after a $WARMUP warm-up;" \
	"nginx with 1 worker, HAProxy with 1 thread, lbsim with GOMAXPROCS=${LBSIM_PROCS:-1}, keep-alive to the backends."
echo
echo "| proxy | req/s | p99 (ms) | req/s vs nginx | p99 vs nginx | paired req/s vs nginx | paired p99 vs nginx |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for p in "${proxies[@]}"; do
	rr=n/a pr=n/a prr=n/a ppr=n/a
	if has nginx; then
		rr=$(ratio "${rps_med[$p]}" "${rps_med[nginx]}")
		pr=$(ratio "${p99_med[$p]}" "${p99_med[nginx]}")
		prr=$(paired_ratio "${rps_all[$p]}" "${rps_all[nginx]}")
		ppr=$(paired_ratio "${p99_all[$p]}" "${p99_all[nginx]}")
	fi
	printf '| %s | %.0f | %.3f | %s | %s | %s | %s |\n' "$p" "${rps_med[$p]}" "${p99_med[$p]}" "$rr" "$pr" "$prr" "$ppr"
done
echo
echo "Ratios are of the medians; paired ratios are the medians of each round's ratio to nginx's run just before it."
echo
echo "Machine: $(nproc) CPUs, ${cpu:-unknown CPU}, Linux $(uname -r)."
if ((${#idle_counts[@]} > 0)); then
	echo
	echo "### Memory per idle client connection"
	echo
	echo "Growth of resident memory (all of a proxy's processes) with N keep-alive client connections, one request each, then held open; KiB per connection. Open files: $FD_LIMIT."
	echo
	header="| proxy |" rule="| --- |"
	for n in "${idle_counts[@]}"; do header+=" $n |" rule+=" ---: |"; done
	echo "$header"
	echo "$rule"
	for p in "${proxies[@]}"; do
		row="| $p |"
		for n in "${idle_counts[@]}"; do row+=" ${idle_kb[$p,$n]} |"; done
		echo "$row"
	done
fi
echo
joined=$(printf '%s, ' "${versions[@]}")
echo "Versions: ${joined%, }."
