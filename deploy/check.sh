#!/usr/bin/env bash
# make deploy-check: the production kit in deploy/, run for real on loopback and thrown away afterwards.
#
# Debian's nginx (TLS, deploy/nginx/amahoro.conf rendered by deploy/render.py) in front of two gunicorn app
# servers (deploy/gunicorn.conf.py, production settings), a Celery worker and beat, against the local
# PostgreSQL (a fresh database, dropped at the end) and Redis (its own db number, flushed at the end). Then
# deploy/smoke.py walks the journey, and everything is stopped, whatever happened (trap on EXIT).
#
# Needs: nginx (`make deploy-check` installs it with apt as root), PostgreSQL at DEPLOY_CHECK_PG with trust
# or password in the URL, Redis at DEPLOY_CHECK_REDIS. Logs of a failed run are kept in var/deploy-check/.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/.venv/bin"
PY="$BIN/python"
PG=${DEPLOY_CHECK_PG:-postgres://postgres@127.0.0.1:5432}
DB=${DEPLOY_CHECK_DB:-amahoro_deploycheck}
REDIS=${DEPLOY_CHECK_REDIS:-redis://127.0.0.1:6379/13}
NGINX=${NGINX:-/usr/sbin/nginx}
KEEP="$ROOT/var/deploy-check"
WORK=$(mktemp -d /tmp/amahoro-deploycheck.XXXXXX)
STARTED=$(date +%s)
PIDS=()
OK=""

say() { printf '== %s\n' "$*"; }

cleanup() {
    set +e
    say "stopping everything"
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    "$PY" - "$PG" "$DB" "$REDIS" <<'EOF'
import sys, psycopg, redis
server, db, redis_url = sys.argv[1:]
with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
redis.Redis.from_url(redis_url).flushdb()
EOF
    rm -rf "$KEEP"
    if [ -z "$OK" ]; then
        mkdir -p "$KEEP" && cp -r "$WORK/logs" "$KEEP/" 2>/dev/null
        echo "deploy-check FAILED: logs kept in $KEEP/logs" >&2
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

[ -x "$NGINX" ] || { echo "nginx is missing: sudo apt-get install -y nginx (or run make deploy-check as root)" >&2; exit 1; }
[ -x "$BIN/gunicorn" ] || "$BIN/pip" install --disable-pip-version-check --quiet -e "$ROOT[test,prod]"

free_port() { "$PY" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()"; }
PORT_A=$(free_port); PORT_B=$(free_port); HTTPS_PORT=$(free_port); HTTP_PORT=$(free_port)
mkdir -p "$WORK/logs" "$WORK/nginx-tmp" "$WORK/var" "$WORK/tls"

# The environment file a ministry writes to /etc/amahoro/env (deploy/amahoro.env), with throwaway secrets.
metrics_token=$("$PY" -c "import secrets; print(secrets.token_urlsafe(32))")
cat > "$WORK/env" <<EOF
DJANGO_SETTINGS_MODULE=amahoro.settings.prod
AMAHORO_HOME=$WORK
SECRET_KEY=$("$PY" -c "import secrets; print(secrets.token_urlsafe(64))")
FIELD_ENCRYPTION_KEYS=$("$PY" -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")
FIELD_INDEX_KEY=$("$PY" -c "import secrets; print(secrets.token_urlsafe(48))")
AMAHORO_METRICS_TOKEN=$metrics_token
ALLOWED_HOSTS=localhost
CSRF_TRUSTED_ORIGINS=https://localhost:$HTTPS_PORT
DATABASE_URL=$PG/$DB
REDIS_URL=$REDIS
STATIC_ROOT=$WORK/static
MEDIA_ROOT=$WORK/var/media
AMAHORO_BACKUP_DIR=$WORK/var/backups
AMAHORO_ACCOUNTABILITY_PUSH_USER=
GUNICORN_WORKERS=2
LOG_FORMAT=json
LOG_LEVEL=INFO
EOF
set -a; . "$WORK/env"; set +a
cd "$WORK"  # as under systemd: nothing may depend on the current directory being the repository

say "fresh database $DB, Redis $REDIS"
"$PY" - "$PG" "$DB" "$REDIS" <<'EOF'
import sys, psycopg, redis
server, db, redis_url = sys.argv[1:]
with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    conn.execute(f'CREATE DATABASE "{db}"')
redis.Redis.from_url(redis_url).flushdb()
EOF

say "check --deploy, migrate, collectstatic, reference data, accounts"
"$BIN/amahoro" check --deploy --fail-level WARNING
"$BIN/amahoro" migrate --noinput -v 0
"$BIN/amahoro" collectstatic --noinput -v 0
"$BIN/amahoro" shell -v 0 -c "
from django.core.management import call_command as c
c('load_reference', 'rwanda')
c('load_reference', 'nap-rw-2018')
c('create_organisation', 'NGO1', 'Deploy check NGO', type='ngo', area=['11'])
c('create_organisation', 'OSC1', 'Deploy check One Stop Centre', type='osc', area=['12'])
for user, org, role, unit in [('officer', 'NGO1', 'me_officer', 'RW'), ('clerk', 'NGO1', 'data_clerk', '1101'),
                              ('caseworker', 'OSC1', 'case_worker', '12')]:
    c('create_user', user, password='deploy-check-password-2026')
    c('assign_role', user, organisation=org, role=role, org_unit=unit)
" >/dev/null
CASE_TOKEN=$("$BIN/amahoro" create_token caseworker --name deploy-check | tail -1)

say "TLS certificate for localhost, nginx configuration from deploy/nginx/amahoro.conf"
"$PY" - "$WORK/tls" <<'EOF'
import datetime, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
now = datetime.datetime.now(datetime.UTC)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256()))
open(f"{sys.argv[1]}/cert.pem", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
open(f"{sys.argv[1]}/key.pem", "wb").write(key.private_bytes(serialization.Encoding.PEM,
    serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
EOF
python3 "$ROOT/deploy/render.py" --server-name localhost --app "127.0.0.1:$PORT_A" --app "127.0.0.1:$PORT_B" \
    --static-root "$STATIC_ROOT" --cert "$WORK/tls/cert.pem" --key "$WORK/tls/key.pem" \
    --https-listen "127.0.0.1:$HTTPS_PORT" --http-listen "127.0.0.1:$HTTP_PORT" --log-dir "$WORK/logs" \
    > "$WORK/amahoro.conf"
# The main configuration Debian's /etc/nginx/nginx.conf would otherwise provide, with paths under $WORK.
cat > "$WORK/nginx.conf" <<EOF
$( [ "$(id -u)" = 0 ] && echo "user root;" )
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/logs/nginx-main.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path $WORK/nginx-tmp/body;
    proxy_temp_path $WORK/nginx-tmp/proxy;
    fastcgi_temp_path $WORK/nginx-tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx-tmp/uwsgi;
    scgi_temp_path $WORK/nginx-tmp/scgi;
    include $WORK/amahoro.conf;
}
EOF
"$NGINX" -t -q -p "$WORK" -c "$WORK/nginx.conf"

say "starting the Celery worker and beat, two app servers (:$PORT_A, :$PORT_B) and nginx (:$HTTPS_PORT)"
"$BIN/celery" -A amahoro worker --loglevel INFO --concurrency 1 --hostname "deploycheck@%h" \
    > "$WORK/logs/worker.log" 2>&1 &
PIDS+=($!)
"$BIN/celery" -A amahoro beat --loglevel INFO --schedule "$WORK/var/celerybeat-schedule" \
    > "$WORK/logs/beat.log" 2>&1 &
PIDS+=($!)
for port in "$PORT_A" "$PORT_B"; do
    mkdir -p "$WORK/metrics-$port"
    PROMETHEUS_MULTIPROC_DIR="$WORK/metrics-$port" GUNICORN_BIND="127.0.0.1:$port" \
        "$BIN/gunicorn" -c "$ROOT/deploy/gunicorn.conf.py" amahoro.wsgi:application \
        > "$WORK/logs/web-$port.log" 2>&1 &
    PIDS+=($!)
done
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -g "daemon off;" > "$WORK/logs/nginx.log" 2>&1 &
PIDS+=($!)

for port in "$PORT_A" "$PORT_B"; do
    for i in $(seq 1 120); do
        "$PY" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=2)" \
            "http://127.0.0.1:$port/health/live" 2>/dev/null && break
        [ "$i" = 120 ] && { echo "app server :$port did not start" >&2; tail -20 "$WORK/logs/web-$port.log" >&2; exit 1; }
        sleep 0.5
    done
done

say "smoke journey"
"$PY" "$ROOT/deploy/smoke.py" --proxy "https://localhost:$HTTPS_PORT" --proxy-http-port "$HTTP_PORT" \
    --app-a "127.0.0.1:$PORT_A" --app-b "127.0.0.1:$PORT_B" --metrics-token "$metrics_token" \
    --case-token "$CASE_TOKEN" --worker-timeout 75

say "logs are JSON lines in UTC with request ids"
"$PY" - "$WORK/logs/web-$PORT_A.log" "$WORK/logs/web-$PORT_B.log" <<'EOF'
import json, sys
lines = [json.loads(l) for p in sys.argv[1:] for l in open(p) if l.startswith("{")]
requests = [l for l in lines if l.get("logger") == "amahoro.request"]
assert requests, "no request lines in the app servers' logs"
assert all(l["ts"].endswith("Z") and l.get("request_id") for l in requests), requests[:3]
assert any(l.get("user") for l in requests), "no request line names its user"
print(f"   {len(requests)} request lines, e.g. {json.dumps(requests[-1])}")
EOF

OK=yes
say "deploy-check passed in $(( $(date +%s) - STARTED ))s"
