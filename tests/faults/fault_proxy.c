/*
 * fault_proxy.c - a TCP proxy on loopback, on its own thread, that can go silent: while stalled
 * it neither reads nor writes any connection, yet closes none, as a dead route or a hung NAT
 * would. Connections accepted while stalled are connected upstream and held.
 */
#include "tests/faults/faults.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PAIRS 16
#define RUN_MAX_S 1800 /* the thread ends by itself after this long at the latest */

struct pair {
    int a, b; /* the accepted side, the upstream side; -1 when unused */
};

struct f_proxy {
    int lfd, port, to_port;
    pthread_t thread;
    pthread_mutex_t lock;
    int stalled, stop;
    struct pair p[PAIRS];
};

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) return fd;
    if (fd >= 0) close(fd);
    return -1;
}

static void pair_close(struct pair *p)
{
    if (p->a >= 0) close(p->a);
    if (p->b >= 0) close(p->b);
    p->a = p->b = -1;
}

/* Moves what is readable from one side to the other; -1 when the pair is finished. */
static int pump(int from, int to)
{
    char buf[16384];
    ssize_t n = read(from, buf, sizeof(buf));
    if (n <= 0) return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
    for (ssize_t off = 0; off < n;) { /* bounded: each write moves at least one byte or fails */
        ssize_t w = write(to, buf + off, (size_t)(n - off));
        if (w <= 0) return -1;
        off += w;
    }
    return 0;
}

static void proxy_accept(struct f_proxy *x)
{
    int fd = accept(x->lfd, NULL, NULL);
    if (fd < 0) return;
    int up = connect_to(x->to_port);
    for (int i = 0; i < PAIRS && up >= 0; i++)
        if (x->p[i].a < 0) {
            x->p[i].a = fd;
            x->p[i].b = up;
            return;
        }
    close(fd);
    if (up >= 0) close(up);
}

static void *proxy_run(void *arg)
{
    struct f_proxy *x = arg;
    double end = h_now() + RUN_MAX_S;
    while (h_now() < end) { /* bounded in time; each poll waits at most 50 ms */
        pthread_mutex_lock(&x->lock);
        int stop = x->stop, stalled = x->stalled;
        pthread_mutex_unlock(&x->lock);
        if (stop) break;
        struct pollfd pf[1 + 2 * PAIRS];
        int idx[1 + 2 * PAIRS], n = 0;
        pf[n] = (struct pollfd){x->lfd, POLLIN, 0};
        idx[n++] = -1;
        for (int i = 0; i < PAIRS && !stalled; i++) {
            if (x->p[i].a < 0) continue;
            pf[n] = (struct pollfd){x->p[i].a, POLLIN, 0};
            idx[n++] = i * 2;
            pf[n] = (struct pollfd){x->p[i].b, POLLIN, 0};
            idx[n++] = i * 2 + 1;
        }
        if (poll(pf, (nfds_t)n, 50) <= 0) continue;
        for (int k = 0; k < n; k++) {
            if (!pf[k].revents) continue;
            if (idx[k] < 0) {
                proxy_accept(x);
                continue;
            }
            struct pair *p = &x->p[idx[k] / 2];
            if (p->a < 0) continue;
            int rc = idx[k] % 2 ? pump(p->b, p->a) : pump(p->a, p->b);
            if (rc < 0) pair_close(p);
        }
    }
    return NULL;
}

struct f_proxy *f_proxy_new(int to_port)
{
    struct f_proxy *x = calloc(1, sizeof(*x));
    if (!x) return NULL;
    for (int i = 0; i < PAIRS; i++)
        x->p[i].a = x->p[i].b = -1;
    x->to_port = to_port;
    pthread_mutex_init(&x->lock, NULL);
    x->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    int one = 1;
    if (x->lfd < 0 || setsockopt(x->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(x->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(x->lfd, 8) != 0 ||
        getsockname(x->lfd, (struct sockaddr *)&a, &len) != 0)
        goto fail;
    x->port = ntohs(a.sin_port);
    if (pthread_create(&x->thread, NULL, proxy_run, x) != 0) goto fail;
    return x;
fail:
    if (x->lfd >= 0) close(x->lfd);
    pthread_mutex_destroy(&x->lock);
    free(x);
    return NULL;
}

int f_proxy_port(const struct f_proxy *p)
{
    return p->port;
}

void f_proxy_stall(struct f_proxy *p, int stalled)
{
    pthread_mutex_lock(&p->lock);
    p->stalled = stalled;
    pthread_mutex_unlock(&p->lock);
}

void f_proxy_free(struct f_proxy *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    for (int i = 0; i < PAIRS; i++)
        pair_close(&p->p[i]);
    close(p->lfd);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
