/*
 * The I/O layer: every write, fsync, rename, unlink and index commit that
 * changes a store goes through here, so tests can make the N-th of them fail
 * or end the process (crash-point sweeps).
 *
 * Fault injection is configured from the environment, read once:
 *   MLV_FAULT_AT=N        the N-th injection point (1-based) fails or crashes
 *   MLV_FAULT_ERRNO=NAME  make it fail with this errno (ENOSPC, EIO, EACCES,
 *                         EROFS, EDQUOT...) instead of killing the process
 *   MLV_FAULT_LOG=FILE    append one line "N KIND DETAIL" per point reached,
 *                         so a sweep can count the points of a command
 * Without MLV_FAULT_ERRNO the process is killed with SIGKILL at point N, which
 * is as abrupt as a power cut as far as the process is concerned.
 */
#ifndef MLV_IO_H
#define MLV_IO_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Read the MLV_FAULT_* variables again and restart the count (for a test
 * that forks a child after changing them; commands never need it).
 */
void mlv_io_fault_reset(void);

/*
 * Count one injection point of KIND ("write", "fsync", "rename", "commit"...).
 * Returns 0 to go ahead, or an errno value the caller must fail with.
 */
int mlv_io_point(const char *kind, const char *detail);

/* write(2) all of LEN bytes, retrying on EINTR and short writes. 0 or -errno. */
int mlv_io_write(int fd, const void *buf, size_t len, const char *what);
struct iovec;
/* writev(2) all of the IOVCNT buffers (TOTAL bytes in all), one injection point. 0 or -errno. */
int mlv_io_writev(int fd, const struct iovec *iov, int iovcnt, size_t total, const char *what);
int mlv_io_pwrite(int fd, const void *buf, size_t len, off_t off, const char *what);
int mlv_io_fsync(int fd, const char *what);
int mlv_io_rename(const char *from, const char *to);
int mlv_io_unlink(const char *path);
/* renameat(2) and unlinkat(2) as injection points. 0 or -errno. */
int mlv_io_renameat(int fromdir, const char *from, int todir, const char *to);
int mlv_io_unlinkat(int dir, const char *name, int flags);
/* fsync the directory holding PATH (or PATH itself when it is a directory). */
int mlv_io_fsync_dir(const char *dir);

/*
 * Read up to LEN bytes (retrying on EINTR and short reads until EOF). Returns
 * the count read (< LEN only at end of file) or -errno. Reads are not
 * injection points.
 */
ssize_t mlv_io_read_full(int fd, void *buf, size_t len);
ssize_t mlv_io_pread_full(int fd, void *buf, size_t len, off_t off);

/*
 * Write DATA to PATH atomically: a temporary file beside it, fsync, rename,
 * fsync of the directory. MODE is the new file's mode. Returns 0 or a
 * negative MLV_E* code with the error set.
 */
int mlv_io_write_file_atomic(const char *path, const void *data, size_t len, int mode);

#endif
