/* fault_world.c - brokers, the gateway and its configuration for one case; process figures; the
 * database check; the one-line report. */
#include "tests/faults/faults.h"

#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void f_proc_read(pid_t pid, struct f_proc *out)
{
    memset(out, 0, sizeof(*out));
    out->alive = h_alive(pid);
    if (!out->alive) return;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    char *t = h_read_file(path);
    const char *p = t ? strrchr(t, ')') : NULL;
    unsigned long ut = 0, stt = 0;
    /* After "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
     * utime stime (fields 3 to 15). */
    if (p && sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &stt) == 2)
        out->cpu_s = (double)(ut + stt) / (double)sysconf(_SC_CLK_TCK);
    free(t);
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    t = h_read_file(path);
    const char *r = t ? strstr(t, "VmRSS:") : NULL;
    if (r) out->rss_kb = strtol(r + 6, NULL, 10);
    r = t ? strstr(t, "VmHWM:") : NULL;
    if (r) out->hwm_kb = strtol(r + 6, NULL, 10);
    free(t);
}

static int integrity_row(void *ctx, int n, char **v, char **names)
{
    (void)names;
    char *first = ctx;
    if (n > 0 && !first[0]) snprintf(first, 256, "%s", v[0] ? v[0] : "(null)");
    return 0;
}

int f_integrity_ok(const char *db_path, char *msg, size_t len)
{
    sqlite3 *db = NULL;
    char first[256] = "", *err = NULL;
    int rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "PRAGMA integrity_check", integrity_row, first, &err);
    int ok = rc == SQLITE_OK && !strcmp(first, "ok");
    if (!ok) snprintf(msg, len, "%s", err ? err : rc != SQLITE_OK ? sqlite3_errmsg(db) : first);
    sqlite3_free(err);
    sqlite3_close(db);
    return ok;
}

pid_t f_broker_start(struct f_world *w, int port, const char *name)
{
    char conf_name[64], log_name[64];
    snprintf(conf_name, sizeof(conf_name), "%s.conf", name);
    snprintf(log_name, sizeof(log_name), "%s.log", name);
    char conf[256];
    snprintf(conf, sizeof(conf), "%s", h_path(w->e, conf_name));
    FILE *f = fopen(conf, "w");
    if (!f) return -1;
    /* Persistent (sessions and queues survive a restart), and queues without a bound: a message
     * the broker drops is not the gateway's loss. Started as root, mosquitto would become the
     * user "mosquitto", who cannot write its persistence file into our private directory. */
    const struct passwd *pw = getpwuid(geteuid());
    fprintf(f,
            "listener %d 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\n"
            "persistence true\npersistence_location %s/\npersistence_file %s.db\n"
            "max_queued_messages 0\nlog_type error\nlog_type warning\nlog_type notice\n"
            "user %s\n",
            port, w->e->dir, name, pw ? pw->pw_name : "mosquitto");
    fclose(f);
    const char *argv[] = {"mosquitto", "-c", conf, NULL};
    pid_t pid = h_spawn(argv, h_path(w->e, log_name));
    if (pid < 0 || h_wait_port(port, 5000) != 0) return -1;
    return pid;
}

static char *config_text(const struct f_world *w)
{
    size_t cap = 4096 + (size_t)F_SENSORS * 512, len = 0;
    char *t = malloc(cap);
    if (!t) return NULL;
    char sensors[128] = "";
    if (w->site_port)
        snprintf(sensors, sizeof(sensors),
                 " sensors = { port = %d; client_id = \"steward-faults-site\"; keepalive = "
                 "\"%ds\"; };",
                 w->site_port, F_KEEPALIVE_S);
    len += (size_t)snprintf(t + len, cap - len,
                            "site = { id = \"faults\"; };\n"
                            "mqtt = { upstream = { port = %d; client_id = \"%s\"; topic_prefix = "
                            "\"%s\"; keepalive = \"%ds\"; };%s };\n"
                            "storage = { path = \"@DB@\"; };\n",
                            w->gw_up_port, F_GW_ID, F_PREFIX, F_KEEPALIVE_S, sensors);
    h_append_leak_site(t, cap, &len, F_SENSORS, "faults/leak/");
    return t;
}

int f_world_open(struct f_world *w, const char *sink_id, int site, int proxy)
{
    memset(w, 0, sizeof(*w));
    w->e = h_env_new();
    if (!w->e) return -1;
    w->up_pid = f_broker_start(w, w->e->mqtt_port, "upstream");
    w->e->broker = w->up_pid;
    if (w->up_pid < 0) return -1;
    if (site) {
        do
            w->site_port = h_free_port();
        while (w->site_port == w->e->mqtt_port || w->site_port == w->e->modbus_port);
        w->site_pid = f_broker_start(w, w->site_port, "site");
        if (w->site_pid < 0) return -1;
    }
    w->gw_up_port = w->e->mqtt_port;
    if (proxy) {
        w->proxy = f_proxy_new(w->e->mqtt_port);
        if (!w->proxy) return -1;
        w->gw_up_port = f_proxy_port(w->proxy);
    }
    char *text = config_text(w);
    if (!text) return -1;
    snprintf(w->cfg, sizeof(w->cfg), "%s", h_write_config(w->e, "faults.cfg", text));
    free(text);
    snprintf(w->db, sizeof(w->db), "%s", h_path(w->e, "steward.db"));
    snprintf(w->log, sizeof(w->log), "%s", h_path(w->e, "steward.log"));
    w->sink = f_sink_new(w->e->mqtt_port, sink_id);
    w->gen = f_gen_new(site ? w->site_port : w->e->mqtt_port);
    return w->sink && w->gen ? 0 : -1;
}

int f_world_gateway(struct f_world *w)
{
    w->gw = h_gateway_start(w->e, w->cfg, "steward.log");
    return w->gw > 0 ? 0 : -1;
}

void f_world_close(struct f_world *w)
{
    f_gen_free(w->gen);
    w->gen = NULL;
    f_sink_free(w->sink);
    w->sink = NULL;
    if (w->gw > 0) h_stop(w->gw, 5000);
    w->gw = 0;
    f_proxy_free(w->proxy);
    w->proxy = NULL;
    h_cleanup_all();
    free(w->e);
    w->e = NULL;
}

int f_log_count(const struct f_world *w, const char *needle)
{
    char *t = h_read_file(w->log);
    int n = 0;
    for (const char *p = t ? strstr(t, needle) : NULL; p && n < 1000000; p = strstr(p + 1, needle))
        n++;
    free(t);
    return n;
}

void f_result_count(struct f_result *r, struct f_world *w)
{
    struct f_gen_stats g;
    struct f_sink_stats s;
    f_gen_stats(w->gen, &g);
    f_sink_stats(w->sink, &s);
    r->expected = g.raises_acked;
    r->delivered = s.raised_total;
    r->missing = r->extra = 0;
    for (int i = 0; i < F_SENSORS; i++) {
        int d = s.raised[i] - g.acked_per[i];
        if (d < 0) r->missing += -d;
        if (d > 0) r->extra += d;
    }
    r->duplicated = s.duplicates;
    r->out_of_order = s.out_of_order;
    if (w->gw > 0) f_proc_read(w->gw, &r->gw);
}

void f_result_print(const struct f_result *r)
{
    printf("%-4s %-22s expected %5lld delivered %5lld missing %4lld dup %4lld ooo %3lld extra "
           "%3lld | gw %s rss %ld kB (peak %ld) cpu %.2f s\n",
           r->pass ? "PASS" : "FAIL", r->name, r->expected, r->delivered, r->missing, r->duplicated,
           r->out_of_order, r->extra, r->gw.alive ? "running" : "NOT RUNNING", r->gw.rss_kb,
           r->gw.hwm_kb, r->gw.cpu_s);
    printf("     pass when: %s\n", r->criteria);
    if (r->note[0]) printf("     %s\n", r->note);
    fflush(stdout);
}
