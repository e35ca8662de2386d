# portreeve: top-level driver. The real build is CMake+Ninja in build/ (release),
# build-asan/ (ASan+UBSan unit tests) and build-fuzz/ (libFuzzer targets, clang).
#
#   make          build portreeve into build/
#   make demo     install missing Debian packages, build, run the namespace lab demo (root)
#   make check    install missing Debian packages, build everything, run every test (root)
#   make bench    side-by-side benchmarks against nmap, masscan, zmap (root)
#   make deb      a Debian package of the working tree in build/deb/ (dpkg-buildpackage)
#   make fuzz     every libFuzzer target for FUZZ_SECONDS (default 300) each over its corpus

BUILD_PKGS = gcc clang cmake ninja-build pkg-config libpcap-dev libcmocka-dev \
             libcap-ng-dev libjansson-dev libpcre2-dev libssl-dev libclang-rt-14-dev \
             libsqlite3-dev libpq-dev libxml2-dev libnftables-dev libseccomp-dev \
             libmicrohttpd-dev libc-ares-dev libbpf-dev
LAB_PKGS   = iproute2 nftables iptables ethtool openssh-server nginx-light dnsmasq snmpd \
             ntpsec ssl-cert openssl nmap nmap-common ndiff xsltproc libxml2-utils \
             python3 python3-scapy masscan zmap hping3 tcpdump procps \
             postgresql chromium sqlite3 vsftpd redis-server memcached time wrk \
             apache2 libapache2-mod-security2 modsecurity-crs gobuster dirb ffuf wfuzz \
             whatweb wapiti sqlmap fail2ban wget curl jq \
             build-essential debhelper dpkg-dev lintian bash-completion man-db systemd \
             python3-jsonschema p0f rpcbind nfs-common mosquitto rabbitmq-server
LAB_PKGS  += samba smbclient slapd ldap-utils mumble-server
# t_version_extra: daemons nmap 7.93 does not identify (issue 17)
LAB_PKGS  += nats-server beanstalkd pgbouncer prosody git varnish haproxy privoxy nodejs
NPROC     ?= $(shell nproc)
FUZZ_SECONDS ?= 300

.PHONY: all deps demo check unit fuzz lab bench deb clean

all:
	@cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build -j $(NPROC)

# Installs whatever of the packages above is missing (needs root and apt).
deps:
	@missing=$$(for p in $(BUILD_PKGS) $(LAB_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "installing Debian packages:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

build-asan/.built: $(wildcard src/*/*.c src/*/*.h src/*.c tests/unit/*.c) CMakeLists.txt
	@cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPR_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j $(NPROC)
	@touch $@

build-fuzz/.built: $(wildcard src/*/*.c src/*/*.h tests/fuzz/*.c tests/fuzz/*.h) CMakeLists.txt
	@CC=clang cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPR_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(NPROC)
	@touch $@

demo: deps all
	@build/portreeve demo

check: deps all build-asan/.built build-fuzz/.built
	@tests/run.sh

fuzz: build-fuzz/.built
	@FUZZ_SECONDS=$(FUZZ_SECONDS) ONLY='^fuzz/' tests/run.sh

bench: deps all
	@bench/run

# The package is built from a copy of the tracked and untracked (not ignored) files, so the
# build trees here do not end up in it; the .deb and its build log land in build/deb/.
DEB_VERSION = $(shell dpkg-parsechangelog -S Version 2>/dev/null)
deb: deps
	@rm -rf build/deb && mkdir -p build/deb/portreeve-$(DEB_VERSION)
	@git ls-files -z -co --exclude-standard | tar -cf - --null -T - | tar -xf - -C build/deb/portreeve-$(DEB_VERSION)
	@cd build/deb/portreeve-$(DEB_VERSION) && \
	    PR_GIT_DESCRIBE="$$(git -C $(CURDIR) describe --always --dirty --tags)" \
	    dpkg-buildpackage -b -us -uc >../build.log 2>&1 || { tail -n 30 ../build.log; exit 1; }
	@ls build/deb/*.deb

clean:
	rm -rf build build-asan build-fuzz
