#!/bin/sh
# make-certs.sh OUTDIR - test-only certificates made at test time with the openssl CLI:
#   ca.pem                  a test CA (EC P-256, 10 years)
#   server.pem/.key         localhost + 127.0.0.1 (+ ::1), signed by the CA
#   expired.pem/.key        the same names, validity entirely in the past
#   wronghost.pem/.key      signed by the CA, for wronghost.example only
#   selfsigned.pem/.key     localhost, self-signed (not trusted)
set -e
out=$1
mkdir -p "$out"
cd "$out"
[ -f selfsigned.pem ] && exit 0
key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null; }
key ca.key
openssl req -x509 -new -key ca.key -days 3650 -subj "/CN=libruntime test CA" -out ca.pem \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
sign() {   # sign NAME SAN [extra openssl ca args]
    key "$1.key"
    openssl req -new -key "$1.key" -subj "/CN=$1" -out "$1.csr" 2>/dev/null
    printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$2" > "$1.ext"
    shift 2
    mkdir -p db && : > db/index && echo 01 > db/serial
    cat > ca.cnf <<CNF
[ca]
default_ca=test
[test]
dir=.
database=db/index
serial=db/serial
new_certs_dir=db
default_md=sha256
policy=any
copy_extensions=none
[any]
commonName=supplied
CNF
    openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in "$name.csr" \
        -extfile "$name.ext" -out "$name.pem" -notext "$@" 2>/dev/null
}
name=server; sign server "DNS:localhost,IP:127.0.0.1,IP:::1" -days 3650
name=expired; sign expired "DNS:localhost,IP:127.0.0.1" -startdate 20200101000000Z -enddate 20210101000000Z
name=wronghost; sign wronghost "DNS:wronghost.example" -days 3650
key selfsigned.key
openssl req -x509 -new -key selfsigned.key -days 3650 -subj "/CN=localhost" -out selfsigned.pem \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
