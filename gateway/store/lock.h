/*
 * lock.h - one gateway per database. `steward run` takes an exclusive lock on PATH.lock next to
 * the database (flock(2), released by the kernel when the process dies, kill -9 included) and
 * writes its PID there; a second `steward run` on the same configuration finds the lock taken
 * and says which process holds it, instead of sharing the database and the MQTT client id with
 * it (both would then flap). A separate file, because SQLite's own POSIX locks on the database
 * are dropped by any close(2) of that file in the process.
 */
#ifndef STEWARD_STORE_LOCK_H
#define STEWARD_STORE_LOCK_H

#include <sys/types.h>

/*
 * Locks the database at db_path. Returns a file descriptor to keep open for the process's life
 * (store_unlock releases it), or -1: with *holder the PID of the gateway that holds it (0 when
 * unknown), or with *holder -1 when the lock file cannot be opened (why in errno).
 */
int store_lock(const char *db_path, pid_t *holder);
void store_unlock(int fd); /* -1 is a no-op */

#endif
