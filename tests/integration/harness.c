/* harness.c - see harness.h. */
#include "tests/integration/harness.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PIDS 64

static pid_t pids[MAX_PIDS];
static size_t n_pids;
static char tmp_dir[128];

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double h_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int h_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) close(fd);
    return port;
}

int h_wait_port(int port, int timeout_ms)
{
    long long end = now_ms() + timeout_ms;
    do {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
        if (fd >= 0) close(fd);
        if (ok) return 0;
        nap_ms(20);
    } while (now_ms() < end);
    return -1;
}

int h_wait_file(const char *path, int timeout_ms)
{
    long long end = now_ms() + timeout_ms;
    do {
        if (access(path, F_OK) == 0) return 0;
        nap_ms(20);
    } while (now_ms() < end);
    return -1;
}

int h_wait_log(const char *path, const char *needle, int timeout_ms)
{
    long long end = now_ms() + timeout_ms;
    do {
        char *t = h_read_file(path);
        int found = t && strstr(t, needle);
        free(t);
        if (found) return 0;
        nap_ms(20);
    } while (now_ms() < end);
    return -1;
}

static void rm_rf(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    char p[512];
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

void h_cleanup_all(void)
{
    for (size_t i = 0; i < n_pids; i++)
        if (pids[i] > 0) h_stop(pids[i], 3000);
    n_pids = 0;
    h_client_security(NULL, NULL, NULL);
    if (tmp_dir[0]) {
        if (getenv("STEWARD_KEEP_TMP"))
            fprintf(stderr, "harness: kept %s\n", tmp_dir);
        else
            rm_rf(tmp_dir);
        tmp_dir[0] = '\0';
    }
}

struct h_env *h_env_new(void)
{
    struct h_env *e = calloc(1, sizeof(*e));
    if (!e) return NULL;
    snprintf(e->dir, sizeof(e->dir), "/tmp/steward-itest-XXXXXX");
    if (!mkdtemp(e->dir)) {
        free(e);
        return NULL;
    }
    if (tmp_dir[0]) h_cleanup_all(); /* one environment at a time */
    snprintf(tmp_dir, sizeof(tmp_dir), "%s", e->dir);
    static int registered;
    if (!registered++) atexit(h_cleanup_all);
    e->mqtt_port = h_free_port();
    do
        e->modbus_port = h_free_port();
    while (e->modbus_port == e->mqtt_port);
    signal(SIGPIPE, SIG_IGN);
    return e;
}

const char *h_path(const struct h_env *e, const char *name)
{
    static char bufs[8][256];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, 256, "%s/%s", e->dir, name);
    return b;
}

const char *h_bin(const char *name)
{
    static char bufs[4][256];
    static int k;
    char *b = bufs[k++ % 4];
    const char *build = getenv("BUILD");
    snprintf(b, 256, "%s/%s", build && *build ? build : "build", name);
    return b;
}

pid_t h_spawn(const char *const argv[], const char *log_path)
{
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int fd = open(log_path ? log_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        setpgid(0, 0);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (n_pids < MAX_PIDS) pids[n_pids++] = pid;
    return pid;
}

static void forget(pid_t pid)
{
    for (size_t i = 0; i < n_pids; i++)
        if (pids[i] == pid) pids[i] = 0;
}

int h_wait_exit(pid_t pid, int timeout_ms, int *status);
int h_wait_exit(pid_t pid, int timeout_ms, int *status)
{
    long long end = now_ms() + timeout_ms;
    do {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid) {
            forget(pid);
            return 0;
        }
        if (r < 0) return -1;
        nap_ms(10);
    } while (now_ms() < end);
    return -1;
}

int h_stop(pid_t pid, int timeout_ms)
{
    int status = -1;
    if (pid <= 0) return -1;
    if (kill(pid, SIGTERM) != 0 && errno == ESRCH) {
        waitpid(pid, &status, WNOHANG);
        forget(pid);
        return status;
    }
    if (h_wait_exit(pid, timeout_ms, &status) == 0) return status;
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    forget(pid);
    return status;
}

void h_kill9(pid_t pid)
{
    if (pid <= 0) return;
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    forget(pid);
}

int h_alive(pid_t pid)
{
    int status;
    return pid > 0 && waitpid(pid, &status, WNOHANG) == 0;
}

int h_run(const char *const argv[], const char *out_path, int timeout_ms)
{
    pid_t pid = h_spawn(argv, out_path);
    int status;
    if (pid < 0) return -1;
    if (h_wait_exit(pid, timeout_ms, &status) != 0) {
        h_kill9(pid);
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

char *h_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *nb = realloc(buf, cap);
            if (!nb) break;
            buf = nb;
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (!buf)
        buf = calloc(1, 1);
    else
        buf[len] = '\0';
    return buf;
}

void h_append_leak_site(char *t, size_t cap, size_t *len, int n, const char *topic_prefix)
{
    *len += (size_t)snprintf(t + *len, cap - *len, "sensors = (\n");
    for (int i = 0; i < n && *len < cap; i++)
        *len += (size_t)snprintf(t + *len, cap - *len,
                                 "  { id = \"leak%02d\"; kind = \"leak\"; topic = \"%s%02d\"; "
                                 "field = \"water_leak\"; }%s\n",
                                 i, topic_prefix, i, i + 1 < n ? "," : "");
    if (*len < cap) *len += (size_t)snprintf(t + *len, cap - *len, ");\nrules = (\n");
    for (int i = 0; i < n && *len < cap; i++)
        *len += (size_t)snprintf(t + *len, cap - *len,
                                 "  { id = \"leak_%d\"; when = \"leak%02d\"; priority = "
                                 "\"emergency\"; category = \"plumbing\"; title = \"Water leak "
                                 "%d\"; }%s\n",
                                 i, i, i, i + 1 < n ? "," : "");
    if (*len < cap) *len += (size_t)snprintf(t + *len, cap - *len, ");\n");
}

void h_deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_nsec += (long)ms * 1000000L;
    ts->tv_sec += ts->tv_nsec / 1000000000L;
    ts->tv_nsec %= 1000000000L;
}

pid_t h_broker_start(struct h_env *e)
{
    const char *conf = h_path(e, "mosquitto.conf");
    FILE *f = fopen(conf, "w");
    if (!f) return -1;
    /* max_queued_messages 0: no limit on what the broker queues for a slow subscriber. With the
     * default 1000 a test's subscriber that falls behind on a shared machine loses messages in
     * the broker (logged "Outgoing messages are being dropped"), which is not what a test
     * measures; a site's broker is set to a large limit for the same reason (README). */
    fprintf(f,
            "listener %d 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\n"
            "max_queued_messages 0\n",
            e->mqtt_port);
    fclose(f);
    const char *argv[] = {"mosquitto", "-c", conf, NULL};
    e->broker = h_spawn(argv, h_path(e, "mosquitto.log"));
    if (e->broker < 0 || h_wait_port(e->mqtt_port, 5000) != 0) return -1;
    return e->broker;
}

void h_broker_stop(struct h_env *e)
{
    h_stop(e->broker, 3000);
    e->broker = 0;
}

static char *replace_all(const char *text, const char *key, const char *val)
{
    size_t kl = strlen(key), vl = strlen(val), n = 0;
    for (const char *p = strstr(text, key); p; p = strstr(p + kl, key))
        n++;
    char *out = malloc(strlen(text) + n * vl + 1), *o = out;
    if (!out) return NULL;
    const char *p = text, *q;
    while ((q = strstr(p, key))) {
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, val, vl);
        o += vl;
        p = q + kl;
    }
    strcpy(o, p);
    return out;
}

const char *h_write_config(struct h_env *e, const char *name, const char *text)
{
    char port[16], mport[16];
    snprintf(port, sizeof(port), "%d", e->mqtt_port);
    snprintf(mport, sizeof(mport), "%d", e->modbus_port);
    char *a = replace_all(text, "@MQTT_PORT@", port);
    char *b = a ? replace_all(a, "@MODBUS_PORT@", mport) : NULL;
    char *c0 = b ? replace_all(b, "@DB@", h_path(e, "steward.db")) : NULL;
    char *c = c0 ? replace_all(c0, "@DIR@", e->dir) : NULL;
    const char *path = h_path(e, name);
    FILE *f = fopen(path, "w");
    if (f && c) fputs(c, f);
    if (f) fclose(f);
    free(a);
    free(b);
    free(c0);
    free(c);
    return path;
}

pid_t h_sim_start(struct h_env *e, const char *cfg, const char *scenario, const char *speed)
{
    const char *argv[] = {
        h_bin("steward-sim"), "-c", cfg, "--scenario", scenario, "--speed", speed, NULL};
    pid_t pid = h_spawn(argv, h_path(e, "sim.log"));
    if (pid < 0 || h_wait_port(e->modbus_port, 5000) != 0) return -1;
    return pid;
}

pid_t h_gateway_start(struct h_env *e, const char *cfg, const char *log_name)
{
    const char *topics[] = {"+/+/status", NULL};
    struct h_sub *s = h_sub_new(e->mqtt_port, topics);
    const char *argv[] = {h_bin("steward"), "run", "-c", cfg, "--foreground", NULL};
    pid_t pid = h_spawn(argv, h_path(e, log_name ? log_name : "steward.log"));
    int online = s && pid > 0 && h_sub_wait(s, "+/+/status", "state", "online", 10000) != NULL;
    h_sub_free(s);
    return online ? pid : -1;
}

/* ---- client security ---- */

static char *sec_ca, *sec_user, *sec_pass;

void h_client_security(const char *ca_file, const char *user, const char *password)
{
    free(sec_ca);
    free(sec_user);
    free(sec_pass);
    sec_ca = ca_file ? strdup(ca_file) : NULL;
    sec_user = user ? strdup(user) : NULL;
    sec_pass = password ? strdup(password) : NULL;
}

static void client_secure(struct mosquitto *m)
{
    if (sec_ca) mosquitto_tls_set(m, sec_ca, NULL, NULL, NULL, NULL);
    if (sec_user) mosquitto_username_pw_set(m, sec_user, sec_pass);
}

/* ---- subscriber ---- */

struct h_sub {
    struct mosquitto *m;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct h_msg *msgs;
    size_t n, cap;
    int subscribed;
};

static void sub_on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
    (void)m;
    struct h_sub *s = obj;
    pthread_mutex_lock(&s->lock);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct h_msg *v = realloc(s->msgs, cap * sizeof(*v));
        if (!v) {
            pthread_mutex_unlock(&s->lock);
            return;
        }
        s->msgs = v;
        s->cap = cap;
    }
    struct h_msg *hm = &s->msgs[s->n++];
    hm->topic = strdup(msg->topic);
    hm->payload = malloc((size_t)msg->payloadlen + 1);
    if (hm->payload) {
        if (msg->payloadlen) /* an empty message (a retained copy cleared) has no payload */
            memcpy(hm->payload, msg->payload, (size_t)msg->payloadlen);
        hm->payload[msg->payloadlen] = '\0';
    }
    hm->len = (size_t)msg->payloadlen;
    hm->retain = msg->retain;
    hm->at = h_now();
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

static void sub_on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *q)
{
    (void)m, (void)mid, (void)n, (void)q;
    struct h_sub *s = obj;
    pthread_mutex_lock(&s->lock);
    s->subscribed++;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

struct h_sub *h_sub_new(int port, const char *const topics[])
{
    static int lib;
    if (!lib++) mosquitto_lib_init();
    struct h_sub *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    s->m = mosquitto_new(NULL, true, s);
    if (s->m) mosquitto_int_option(s->m, MOSQ_OPT_TCP_NODELAY, 1);
    if (s->m) client_secure(s->m);
    int n = 0;
    for (; topics[n]; n++) {
    }
    if (!s->m) goto fail;
    mosquitto_message_callback_set(s->m, sub_on_message);
    mosquitto_subscribe_callback_set(s->m, sub_on_subscribe);
    if (mosquitto_connect(s->m, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS) goto fail;
    for (int i = 0; i < n; i++)
        mosquitto_subscribe(s->m, NULL, topics[i], 1);
    if (mosquitto_loop_start(s->m) != MOSQ_ERR_SUCCESS) goto fail;
    long long end = now_ms() + 5000;
    pthread_mutex_lock(&s->lock);
    while (s->subscribed < n && now_ms() < end) {
        pthread_mutex_unlock(&s->lock);
        nap_ms(5);
        pthread_mutex_lock(&s->lock);
    }
    int ok = s->subscribed >= n;
    pthread_mutex_unlock(&s->lock);
    if (ok) return s;
fail:
    h_sub_free(s);
    return NULL;
}

void h_sub_free(struct h_sub *s)
{
    if (!s) return;
    if (s->m) {
        /* disconnect() marks the client disconnected even with no socket, so the loop thread
         * ends by itself; join it rather than cancel it, as a cancel landing inside
         * sub_on_message leaks the message being delivered (and may hold s->lock). */
        mosquitto_disconnect(s->m);
        mosquitto_loop_stop(s->m, false);
        mosquitto_destroy(s->m);
    }
    for (size_t i = 0; i < s->n; i++) {
        free(s->msgs[i].topic);
        free(s->msgs[i].payload);
    }
    free(s->msgs);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s);
}

static int msg_matches(const struct h_msg *m, const char *filter, const char *key,
                       const char *value)
{
    bool match = false;
    if (mosquitto_topic_matches_sub(filter, m->topic, &match) != MOSQ_ERR_SUCCESS || !match)
        return 0;
    if (!key) return 1;
    json_error_t e;
    json_t *o = json_loads(m->payload ? m->payload : "", 0, &e);
    json_t *v = o ? json_object_get(o, key) : NULL;
    int ok = 0;
    if (v && json_is_string(v))
        ok = !strcmp(json_string_value(v), value);
    else if (v) {
        char *t = json_dumps(v, JSON_ENCODE_ANY);
        ok = t && !strcmp(t, value);
        free(t);
    }
    json_decref(o);
    return ok;
}

const struct h_msg *h_sub_wait(struct h_sub *s, const char *filter, const char *key,
                               const char *value, int timeout_ms)
{
    long long end = now_ms() + timeout_ms;
    size_t checked = 0;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        for (; checked < s->n; checked++)
            if (msg_matches(&s->msgs[checked], filter, key, value)) {
                const struct h_msg *m = &s->msgs[checked];
                pthread_mutex_unlock(&s->lock);
                return m;
            }
        long long left = end - now_ms();
        if (left <= 0) break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long long wait = left < 50 ? left : 50;
        ts.tv_nsec += wait * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&s->cond, &s->lock, &ts);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int h_sub_count(struct h_sub *s, const char *filter, const char *key, const char *value)
{
    int n = 0;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n; i++)
        n += msg_matches(&s->msgs[i], filter, key, value);
    pthread_mutex_unlock(&s->lock);
    return n;
}

int h_sub_wait_count(struct h_sub *s, const char *filter, const char *key, const char *value, int n,
                     int timeout_ms)
{
    long long end = now_ms() + timeout_ms;
    int c;
    while ((c = h_sub_count(s, filter, key, value)) < n && now_ms() < end)
        nap_ms(20);
    return c;
}

int h_sub_distinct_topics(struct h_sub *s, const char *filter, const char *key, const char *value)
{
    int n = 0;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n; i++) {
        if (!msg_matches(&s->msgs[i], filter, key, value)) continue;
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = msg_matches(&s->msgs[k], filter, key, value) &&
                   !strcmp(s->msgs[k].topic, s->msgs[i].topic);
        n += !seen;
    }
    pthread_mutex_unlock(&s->lock);
    return n;
}

int h_sub_arrivals(struct h_sub *s, const char *filter, double *at, int max)
{
    int n = 0;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n && n < max; i++)
        if (!s->msgs[i].retain && msg_matches(&s->msgs[i], filter, NULL, NULL))
            at[n++] = s->msgs[i].at;
    pthread_mutex_unlock(&s->lock);
    return n;
}

int h_sub_arrivals_lacking(struct h_sub *s, const char *filter, const char *text, double *at,
                           int max)
{
    int n = 0;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n && n < max; i++)
        if (!s->msgs[i].retain && msg_matches(&s->msgs[i], filter, NULL, NULL) &&
            !strstr(s->msgs[i].payload, text))
            at[n++] = s->msgs[i].at;
    pthread_mutex_unlock(&s->lock);
    return n;
}

struct pub_state {
    int acked;
};

static void pub_on_publish(struct mosquitto *m, void *obj, int mid)
{
    (void)m, (void)mid;
    ((struct pub_state *)obj)->acked = 1;
}

int h_publish(int port, const char *topic, const char *payload, size_t len, int qos, int retain)
{
    struct pub_state st = {0};
    struct mosquitto *m = mosquitto_new(NULL, true, &st);
    if (!m) return -1;
    mosquitto_publish_callback_set(m, pub_on_publish);
    client_secure(m);
    int rc = -1;
    if (mosquitto_connect(m, "127.0.0.1", port, 30) == MOSQ_ERR_SUCCESS &&
        mosquitto_publish(m, NULL, topic, (int)len, payload, qos, retain) == MOSQ_ERR_SUCCESS) {
        for (int i = 0; i < 100 && !st.acked; i++) /* bounded: 100 x 50 ms */
            if (mosquitto_loop(m, 50, 1) != MOSQ_ERR_SUCCESS) break;
        rc = st.acked ? 0 : -1;
        mosquitto_disconnect(m);
    }
    mosquitto_destroy(m);
    return rc;
}

struct burst_state {
    int acked;
};

static void burst_on_publish(struct mosquitto *m, void *obj, int mid)
{
    (void)m, (void)mid;
    ((struct burst_state *)obj)->acked++;
}

int h_publish_burst(int port, const char *topic, const char *const payloads[], int n)
{
    struct burst_state st = {0};
    struct mosquitto *m = mosquitto_new(NULL, true, &st);
    if (!m) return -1;
    mosquitto_publish_callback_set(m, burst_on_publish);
    client_secure(m);
    mosquitto_max_inflight_messages_set(m, 0); /* no window: everything goes out at once */
    int rc = -1;
    if (mosquitto_connect(m, "127.0.0.1", port, 30) == MOSQ_ERR_SUCCESS) {
        for (int i = 0; i < n; i++)
            mosquitto_publish(m, NULL, topic, (int)strlen(payloads[i]), payloads[i], 1, false);
        for (int i = 0; i < 200 && st.acked < n; i++) /* bounded: 200 x 50 ms */
            if (mosquitto_loop(m, 50, 1) != MOSQ_ERR_SUCCESS) break;
        rc = st.acked == n ? 0 : -1;
        mosquitto_disconnect(m);
    }
    mosquitto_destroy(m);
    return rc;
}

json_t *h_json(const struct h_msg *m)
{
    json_error_t e;
    return m ? json_loads(m->payload, 0, &e) : NULL;
}

const char *h_json_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

int h_logs_clean(const struct h_env *e)
{
    DIR *d = opendir(e->dir);
    if (!d) return 1;
    int clean = 1;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 4 || (strcmp(de->d_name + n - 4, ".log") && strcmp(de->d_name + n - 4, ".out")))
            continue;
        char *t = h_read_file(h_path(e, de->d_name));
        const char *hit = NULL;
        if (t && !(hit = strstr(t, "Sanitizer"))) hit = strstr(t, "runtime error:");
        if (hit) {
            fprintf(stderr, "---- sanitizer report in %s:\n%.4000s\n", de->d_name, hit);
            clean = 0;
        }
        free(t);
    }
    closedir(d);
    return clean;
}

void h_dump_logs(const struct h_env *e)
{
    const char *logs[] = {"steward.log", "steward2.log", "sim.log", "mosquitto.log"};
    for (size_t i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
        char *t = h_read_file(h_path(e, logs[i]));
        if (!t) continue;
        size_t len = strlen(t);
        fprintf(stderr, "---- %s (last 3000 bytes)\n%s\n", logs[i],
                len > 3000 ? t + len - 3000 : t);
        free(t);
    }
}
