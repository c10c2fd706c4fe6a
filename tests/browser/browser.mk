# tests/browser/browser.mk - the control room's page in the build: its browser test joins the
# integration tests, its screen bench joins `make bench`, and `make fleet` runs N buildings.
# Included by the Makefile after BENCH_BIN is defined (so that these lists are extended before
# the run-tests and bench rules read them).

# The browser test (headless Chromium + chromedriver + python3-selenium, Debian packages) runs in
# `make test` and `make integration` like any integration program.
BROWSER_TESTS := tests/browser/test_dashboard.py
INT_BIN       += $(BROWSER_TESTS)
# The alarm-to-screen bench (the page in Chromium, 100 alarms; and with a fleet of FLEET_N).
BENCH_BIN     += tests/bench/bench_screen.py

# What the page and its tests need beyond the C build: Debian packages, and MQTT.js from npm
# (the exact version in dashboard/package-lock.json, into dashboard/node_modules, never
# committed). npm is only for the page's browser libraries.
PAGE_DEB_PKGS := chromium chromium-driver python3 python3-selenium python3-paho-mqtt \
                 fonts-wqy-microhei
MQTTJS        := dashboard/node_modules/mqtt/dist/mqtt.min.js

.PHONY: page-deps have-page-deps fleet
page-deps:
	command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm
	cd dashboard && npm ci --no-audit --no-fund --ignore-scripts

# Installs what the page needs only when something is missing (for make test and make demo).
have-page-deps:
	@if [ -f $(MQTTJS) ] && command -v chromium >/dev/null && command -v chromedriver >/dev/null && \
	    /usr/bin/python3 -c 'import selenium, paho.mqtt' 2>/dev/null; then :; else \
	    echo "Installing what the page and its browser test need (make page-deps)..."; \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	        $(PAGE_DEB_PKGS) && $(MAKE) --no-print-directory page-deps; fi

# make fleet N=50: N gateways with their simulators, each on its site broker bridged into one
# central broker, and the page on all of them; FLEET_SECONDS bounds it (Ctrl-C stops it sooner).
N ?= 10
FLEET_SECONDS ?= 300
fleet: $(PROGS) have-page-deps
	@BUILD=$(BUILD) FLEET_SECONDS=$(FLEET_SECONDS) scripts/fleet.sh $(N)
