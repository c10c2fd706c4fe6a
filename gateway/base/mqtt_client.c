/* mqtt_client.c - see mqtt_client.h. */
#include "gateway/base/mqtt_client.h"
#include "gateway/base/error.h"

#include <errno.h>
#include <fcntl.h>
#include <mosquitto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *mqtt_read_secret(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot read the secret file %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return NULL;
    }
    if (st.st_mode & (S_IRGRP | S_IROTH)) {
        snprintf(err, errlen,
                 "the secret file %s may be read by group or others (mode %03o): make it "
                 "readable by its owner only (chmod 600)",
                 path, (unsigned)(st.st_mode & 0777));
        close(fd);
        return NULL;
    }
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "cannot read the secret file %s: %s", path, strerror(errno));
        return NULL;
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    if (!buf[0]) {
        snprintf(err, errlen, "the secret file %s is empty", path);
        return NULL;
    }
    char *s = strdup(buf);
    memset(buf, 0, sizeof(buf));
    if (!s) snprintf(err, errlen, "out of memory");
    return s;
}

static int readable(const char *what, const char *path, char *err, size_t errlen)
{
    if (!path || access(path, R_OK) == 0) return 0;
    snprintf(err, errlen, "cannot read the %s %s: %s", what, path, strerror(errno));
    return -1;
}

int mqtt_client_check(const struct cfg_broker *b, char *err, size_t errlen)
{
    if (b->use_tls && (readable("TLS CA file", b->tls.ca_file, err, errlen) ||
                       readable("TLS certificate file", b->tls.cert_file, err, errlen) ||
                       readable("TLS key file", b->tls.key_file, err, errlen)))
        return -1;
    if (b->password_file) {
        char *pw = mqtt_read_secret(b->password_file, err, errlen);
        if (!pw) return -1;
        memset(pw, 0, strlen(pw));
        free(pw);
    }
    return 0;
}

struct mosquitto *mqtt_client_new(const struct cfg_broker *b, const char *client_id, int clean,
                                  void *obj, char *err, size_t errlen)
{
    if (mqtt_client_check(b, err, errlen)) return NULL;
    struct mosquitto *m = mosquitto_new(client_id, clean != 0, obj);
    if (!m) {
        snprintf(err, errlen, "cannot create an MQTT client: %s", strerror(errno));
        return NULL;
    }
    char *password = NULL;
    int rc = mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
    if (rc == MOSQ_ERR_SUCCESS && b->password_file &&
        !(password = mqtt_read_secret(b->password_file, err, errlen)))
        goto out_destroy;
    if (rc == MOSQ_ERR_SUCCESS && b->username)
        rc = mosquitto_username_pw_set(m, b->username, password);
    if (password) {
        memset(password, 0, strlen(password));
        free(password);
    }
    if (rc != MOSQ_ERR_SUCCESS) {
        snprintf(err, errlen, "setting up the MQTT client failed: %s", mosquitto_strerror(rc));
        goto out_destroy;
    }
    if (b->use_tls) {
        /* Verify the broker against the CA, always: a TLS set-up that fails ends here. */
        rc = mosquitto_tls_set(m, b->tls.ca_file, NULL, b->tls.cert_file, b->tls.key_file, NULL);
        if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_tls_opts_set(m, 1, NULL, NULL);
        if (rc != MOSQ_ERR_SUCCESS) {
            snprintf(err, errlen, "TLS set-up failed (%s); not connecting without it",
                     rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
            goto out_destroy;
        }
    }
    return m;
out_destroy:
    mosquitto_destroy(m);
    return NULL;
}
