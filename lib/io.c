/*
 * The I/O layer with fault injection: every write, fsync, rename, unlink and
 * index commit that changes a store is counted here, and the N-th one can be
 * made to fail or to kill the process (see mlv/io.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include "mlv/io.h"
#include "mlv/error.h"
#include "mlv/buf.h"
#include "alloc.h"

static struct {
	int loaded;
	long at;
	int err;
	const char *log;
	long count;
} fault;

static const struct { const char *name; int value; } errnos[] = {
	{ "ENOSPC", ENOSPC }, { "EIO", EIO }, { "EACCES", EACCES }, { "EROFS", EROFS },
	{ "EDQUOT", EDQUOT }, { "EPERM", EPERM }, { "ENOMEM", ENOMEM }, { "EFBIG", EFBIG },
	{ NULL, 0 }
};

static void fault_load(void)
{
	const char *s;
	fault.loaded = 1;
	if ((s = getenv("MLV_FAULT_AT")) && *s)
		fault.at = strtol(s, NULL, 10);
	if ((s = getenv("MLV_FAULT_ERRNO")) && *s) {
		fault.err = EIO;
		for (int i = 0; errnos[i].name; i++)
			if (!strcmp(s, errnos[i].name))
				fault.err = errnos[i].value;
	}
	if ((s = getenv("MLV_FAULT_LOG")) && *s)
		fault.log = s;
}

/* Points are counted in one process, which may run several threads. */
static _Atomic long counter;

void mlv_io_fault_reset(void)
{
	memset(&fault, 0, sizeof(fault));
	counter = 0;
	fault_load();
}

int mlv_io_point(const char *kind, const char *detail)
{
	long n;
	if (!fault.loaded)
		fault_load();
	if (!fault.at && !fault.log)
		return 0;
	n = ++counter;
	if (fault.log) {
		FILE *f = fopen(fault.log, "a");
		if (f) {
			fprintf(f, "%ld %s %s\n", n, kind, detail ? detail : "-");
			fclose(f);
		}
	}
	if (fault.at && n == fault.at) {
		if (!fault.err) {
			kill(getpid(), SIGKILL);
			_exit(137);
		}
		return fault.err;
	}
	return 0;
}

int mlv_io_write(int fd, const void *buf, size_t len, const char *what)
{
	const char *p = buf;
	int inj = mlv_io_point("write", what);
	if (inj)
		return -inj;
	while (len > 0) {
		ssize_t n = write(fd, p, len > (size_t)INT_MAX ? (size_t)INT_MAX : len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int mlv_io_writev(int fd, const struct iovec *iov, int iovcnt, size_t total, const char *what)
{
	struct iovec local[64];
	int inj = mlv_io_point("write", what);
	(void)total;
	if (inj)
		return -inj;
	while (iovcnt > 0) {
		int n = iovcnt < 64 ? iovcnt : 64;
		ssize_t done;
		memcpy(local, iov, (size_t)n * sizeof(*iov));
		done = writev(fd, local, n);
		if (done < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* skip what was written, finishing a partly written buffer with write() */
		while (n > 0 && (size_t)done >= local[0].iov_len) {
			done -= (ssize_t)local[0].iov_len;
			iov++;
			iovcnt--;
			memmove(local, local + 1, (size_t)(--n) * sizeof(*local));
		}
		if (n > 0 && done > 0) {
			const char *p = (const char *)iov[0].iov_base + done;
			size_t left = iov[0].iov_len - (size_t)done;
			while (left) {
				ssize_t w = write(fd, p, left);
				if (w < 0) {
					if (errno == EINTR)
						continue;
					return -errno;
				}
				p += w;
				left -= (size_t)w;
			}
			iov++;
			iovcnt--;
		}
	}
	return 0;
}

int mlv_io_pwrite(int fd, const void *buf, size_t len, off_t off, const char *what)
{
	const char *p = buf;
	int inj = mlv_io_point("write", what);
	if (inj)
		return -inj;
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len > (size_t)INT_MAX ? (size_t)INT_MAX : len, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

int mlv_io_fsync(int fd, const char *what)
{
	int inj = mlv_io_point("fsync", what);
	if (inj)
		return -inj;
	return fsync(fd) ? -errno : 0;
}

int mlv_io_rename(const char *from, const char *to)
{
	int inj = mlv_io_point("rename", to);
	if (inj)
		return -inj;
	return rename(from, to) ? -errno : 0;
}

int mlv_io_unlink(const char *path)
{
	int inj = mlv_io_point("unlink", path);
	if (inj)
		return -inj;
	return unlink(path) ? -errno : 0;
}

int mlv_io_renameat(int fromdir, const char *from, int todir, const char *to)
{
	int inj = mlv_io_point("rename", to);
	if (inj)
		return -inj;
	return renameat(fromdir, from, todir, to) ? -errno : 0;
}

int mlv_io_unlinkat(int dir, const char *name, int flags)
{
	int inj = mlv_io_point("unlink", name);
	if (inj)
		return -inj;
	return unlinkat(dir, name, flags) ? -errno : 0;
}

int mlv_io_fsync_dir(const char *dir)
{
	int fd, rc;
	struct stat sb;
	char *copy = NULL;
	const char *target = dir;
	if (stat(dir, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
		char *slash;
		copy = mlv__strdup(dir);
		if (!copy)
			return -ENOMEM;
		slash = strrchr(copy, '/');
		if (slash == copy)
			slash[1] = '\0';
		else if (slash)
			*slash = '\0';
		else
			strcpy(copy, ".");
		target = copy;
	}
	rc = mlv_io_point("fsync", target);
	if (rc) {
		free(copy);
		return -rc;
	}
	fd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -errno;
	rc = fsync(fd) ? -errno : 0;
	close(fd);
	return rc;
}

ssize_t mlv_io_read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

ssize_t mlv_io_pread_full(int fd, void *buf, size_t len, off_t off)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, off + (off_t)got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int mlv_io_write_file_atomic(const char *path, const void *data, size_t len, int mode)
{
	mlv_buf tmp = MLV_BUF_INIT;
	int fd = -1, rc = 0, err;
	if (mlv_buf_printf(&tmp, "%s.tmp-XXXXXX", path)) {
		rc = MLV_ENOMEM;
		goto done;
	}
	fd = mkstemp(tmp.ptr);
	if (fd < 0) {
		rc = mlv_error_set_errno(MLV_EIO, errno, "cannot create a temporary file for '%s'", path);
		goto done;
	}
	fchmod(fd, (mode_t)mode);
	if ((err = mlv_io_write(fd, data, len, path)) || (err = mlv_io_fsync(fd, path))) {
		rc = mlv_error_set_errno(MLV_EIO, -err, "cannot write '%s'", path);
		goto done;
	}
	close(fd);
	fd = -1;
	if ((err = mlv_io_rename(tmp.ptr, path))) {
		rc = mlv_error_set_errno(MLV_EIO, -err, "cannot rename into '%s'", path);
		goto done;
	}
	if ((err = mlv_io_fsync_dir(path)))
		rc = mlv_error_set_errno(MLV_EIO, -err, "cannot sync the directory of '%s'", path);
	mlv_buf_release(&tmp);
	return rc;
done:
	if (fd >= 0)
		close(fd);
	if (tmp.ptr)
		unlink(tmp.ptr);
	mlv_buf_release(&tmp);
	return rc;
}
