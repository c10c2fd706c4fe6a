/* service.c - see service.h. */
#include "gateway/core/service.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "gateway/core/gateway.h"
#include "gateway/store/store.h"
#include "gateway/uplink/mqtt_link.h"

#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>

static int watchdog_due(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again)
{
    (void)now_mono, (void)now_wall;
    struct service *s = ctx;
    sd_notify(0, "WATCHDOG=1");
    uint64_t usec = 0;
    sd_watchdog_enabled(0, &usec);
    *again = usec ? (int64_t)(usec / 2000) : 1000;
    (void)s;
    return ST_OK;
}

int service_init(struct service *s, struct gateway *g)
{
    memset(s, 0, sizeof(*s));
    s->g = g;
    timer_init(&s->watchdog, watchdog_due, s, "systemd watchdog");
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec) {
        log_msg(LOG_INFO, "core: systemd watchdog every %llu ms",
                (unsigned long long)(usec / 1000));
        return timers_arm(g->timers, &s->watchdog, 0);
    }
    return ST_OK;
}

void service_step(struct service *s)
{
    struct gateway *g = s->g;
    int online = g->up.link && mqtt_link_connected(g->up.link);
    size_t active = 0;
    for (size_t i = 0; i < g->alarms.n; i++)
        active += g->alarms.v[i].rt.state != ALARM_NORMAL;
    char status[256];
    snprintf(status, sizeof(status),
             "STATUS=%s; %zu alarms not normal; %zu open work orders; store %s",
             online ? "online" : "connecting to the broker", active, g->wos.n,
             store_failing(g->store) ? "failing (changes held in memory)" : "ok");
    if (!s->ready && online) {
        s->ready = 1;
        char msg[300];
        snprintf(msg, sizeof(msg), "READY=1\n%s", status);
        sd_notify(0, msg);
        snprintf(s->status, sizeof(s->status), "%s", status);
        return;
    }
    if (strcmp(status, s->status) != 0) {
        sd_notify(0, status);
        snprintf(s->status, sizeof(s->status), "%s", status);
    }
}

void service_stopping(struct service *s)
{
    timers_cancel(s->g->timers, &s->watchdog);
    sd_notify(0, "STOPPING=1");
}
