/*
 * service.h - telling systemd how the gateway is (sd_notify(3), for Type=notify units):
 * READY=1 once the database is open and the upstream broker has accepted the connection, a
 * STATUS= line (online or not, active alarms, open work orders, the store), WATCHDOG=1 from the
 * core loop's own timer at half of WatchdogSec (so a loop that hangs is restarted), STOPPING=1
 * when it stops. Outside systemd (no NOTIFY_SOCKET) every call does nothing.
 */
#ifndef STEWARD_SERVICE_H
#define STEWARD_SERVICE_H

#include "gateway/base/timer.h"

struct gateway;

struct service {
    struct gateway *g;     /* borrowed */
    int ready;             /* READY=1 sent */
    char status[256];      /* the last STATUS= sent */
    struct timer watchdog; /* armed at half the watchdog interval, when systemd asks for one */
};

/* Arms the watchdog timer if systemd asked for one. Returns 0 or ST_ERR_NOMEM. */
int service_init(struct service *s, struct gateway *g);
/* After each loop step: READY once the link is up, and a new STATUS when it changed. */
void service_step(struct service *s);
/* STOPPING=1. */
void service_stopping(struct service *s);

#endif
