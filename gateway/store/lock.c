/* lock.c - see lock.h. */
#include "gateway/store/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int store_lock(const char *db_path, pid_t *holder)
{
    char path[4096];
    *holder = -1;
    if (snprintf(path, sizeof(path), "%s.lock", db_path) >= (int)sizeof(path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        char buf[32] = "";
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        close(fd);
        if (err != EWOULDBLOCK) {
            errno = err;
            return -1;
        }
        buf[n > 0 ? n : 0] = '\0';
        *holder = (pid_t)strtol(buf, NULL, 10);
        return -1;
    }
    char pid[32];
    int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        /* Locked all the same: only the name of the holder would be missing for a second one. */
    }
    return fd;
}

void store_unlock(int fd)
{
    if (fd >= 0) close(fd);
}
