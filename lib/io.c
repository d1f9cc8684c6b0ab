/*
 * The I/O layer with fault injection: every write, fsync, rename, unlink and
 * index commit that changes a store is counted here, and the N-th one can be
 * made to fail or to kill the process (see mlv/io.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include "mlv/io.h"
#include "mlv/error.h"
#include "mlv/buf.h"
#include "alloc.h"
#include "internal.h"

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

/* ---- large files written front to back ---- */

struct mlv__seqw_bg {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned char *mem, *buf; /* the other buffer */
	const unsigned char *job; /* being written by the thread */
	size_t job_len;
	int busy, stop, err;
	int undirect;             /* the file refused O_DIRECT: the thread turned it off */
	/* the flushing thread: see SEQW_SYNC_EVERY */
	pthread_t flusher;
	pthread_cond_t fcv;
	int has_flusher;
	int sync_req, syncing;    /* asked for; under way */
	uint64_t unsynced;        /* bytes written since the last one was asked for */
};

/*
 * O_DIRECT writes end in the device's volatile cache, and on a VM that
 * cache is the host's page cache: the fsync at the end then waits for every
 * byte the host has not yet written (0.4-0.6 s per GiB measured here). A
 * second thread calls fdatasync after each SEQW_SYNC_EVERY bytes instead,
 * while the writes go on, so that the final fsync has little left. Its
 * error is the writing thread's error: it must not be lost, because on
 * Linux a later fsync of the same file does not report it again. Every
 * 16 MiB rather than 32: a 1 GiB track took 1.75 s against 1.90 s (median
 * of seven interleaved runs), and the checkout of a 137 MB file was faster
 * too.
 */
#define SEQW_SYNC_EVERY (16u << 20)

void mlv__huge_pages(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
	uintptr_t start = ((uintptr_t)p + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1);
	uintptr_t end = ((uintptr_t)p + len) & ~(uintptr_t)((2u << 20) - 1);
	if (end > start)
		madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
	(void)p;
	(void)len;
#endif
}

int mlv__seqw_init(struct mlv__seqw *s, int fd, size_t cap, const char *what)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->what = what;
	if (!(s->mem = mlv__malloc(cap + MLV_SEQW_ALIGN)))
		return -ENOMEM;
	s->buf = s->mem + (MLV_SEQW_ALIGN - (uintptr_t)s->mem % MLV_SEQW_ALIGN) % MLV_SEQW_ALIGN;
	s->cap = cap;
	mlv__huge_pages(s->mem, cap + MLV_SEQW_ALIGN);
	return 0;
}

/* Wait until the thread has written what it was given; its error, if any. */
static int seqw_wait(struct mlv__seqw *s)
{
	struct mlv__seqw_bg *bg = s->bg;
	int err;
	if (!bg)
		return 0;
	pthread_mutex_lock(&bg->mu);
	while (bg->busy)
		pthread_cond_wait(&bg->cv, &bg->mu);
	err = bg->err;
	if (bg->undirect)
		s->direct = s->want_direct = 0;
	pthread_mutex_unlock(&bg->mu);
	return err;
}

void mlv__seqw_release(struct mlv__seqw *s)
{
	struct mlv__seqw_bg *bg = s->bg;
	if (bg) {
		seqw_wait(s);
		pthread_mutex_lock(&bg->mu);
		bg->stop = 1;
		pthread_cond_broadcast(&bg->cv);
		pthread_cond_broadcast(&bg->fcv);
		pthread_mutex_unlock(&bg->mu);
		pthread_join(bg->thread, NULL);
		if (bg->has_flusher)
			pthread_join(bg->flusher, NULL);
		pthread_mutex_destroy(&bg->mu);
		pthread_cond_destroy(&bg->cv);
		pthread_cond_destroy(&bg->fcv);
		free(bg->mem);
		free(bg);
		s->bg = NULL;
	}
	free(s->mem);
	s->mem = s->buf = NULL;
	s->cap = s->len = 0;
}

void mlv__seqw_direct(struct mlv__seqw *s) { s->want_direct = 1; }

static int set_direct(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 || fcntl(fd, F_SETFL, on ? fl | O_DIRECT : fl & ~O_DIRECT) ? -1 : 0;
}

static int seqw_set_direct(struct mlv__seqw *s, int on)
{
	if (set_direct(s->fd, on))
		return -1;
	s->direct = on;
	return 0;
}

/*
 * Write N bytes at P to the file; a write refused with O_DIRECT (*DIRECT) is
 * done again without it, and *DIRECT becomes 0.
 */
static int seqw_write_at(struct mlv__seqw *s, const unsigned char *p, size_t n, int *direct)
{
	while (n > 0) {
		ssize_t k = write(s->fd, p, n > (size_t)INT_MAX ? (size_t)INT_MAX & ~(size_t)(MLV_SEQW_ALIGN - 1) : n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EINVAL && *direct) {
				if (set_direct(s->fd, 0))
					return -EINVAL;
				*direct = 0;
				continue;
			}
			return -errno;
		}
		p += k;
		n -= (size_t)k;
		s->pos += (uint64_t)k;
	}
	return 0;
}

/* The same on the caller's thread. */
static int seqw_write(struct mlv__seqw *s, const unsigned char *p, size_t n)
{
	int direct = s->direct, err = seqw_write_at(s, p, n, &direct);
	if (!direct && s->direct)
		s->direct = s->want_direct = 0;
	return err;
}

static void *seqw_thread(void *arg)
{
	struct mlv__seqw *s = arg;
	struct mlv__seqw_bg *bg = s->bg;
	pthread_mutex_lock(&bg->mu);
	for (;;) {
		while (!bg->busy && !bg->stop)
			pthread_cond_wait(&bg->cv, &bg->mu);
		if (!bg->busy)
			break;
		pthread_mutex_unlock(&bg->mu);
		/* the caller touches neither the file nor pos while busy */
		int direct = 1, err = seqw_write_at(s, bg->job, bg->job_len, &direct);
		pthread_mutex_lock(&bg->mu);
		if (!direct)
			bg->undirect = 1;
		if (err && !bg->err)
			bg->err = err;
		bg->unsynced += bg->job_len;
		if (bg->has_flusher && bg->unsynced >= SEQW_SYNC_EVERY && !bg->sync_req && !bg->syncing) {
			bg->unsynced = 0;
			bg->sync_req = 1;
			pthread_cond_broadcast(&bg->fcv);
		}
		bg->busy = 0;
		pthread_cond_broadcast(&bg->cv);
	}
	pthread_mutex_unlock(&bg->mu);
	return NULL;
}

static void *seqw_flusher(void *arg)
{
	struct mlv__seqw *s = arg;
	struct mlv__seqw_bg *bg = s->bg;
	pthread_mutex_lock(&bg->mu);
	for (;;) {
		while (!bg->sync_req && !bg->stop)
			pthread_cond_wait(&bg->fcv, &bg->mu);
		if (!bg->sync_req)
			break;
		bg->sync_req = 0;
		bg->syncing = 1;
		pthread_mutex_unlock(&bg->mu);
		int err = fdatasync(s->fd) ? errno : 0;
		pthread_mutex_lock(&bg->mu);
		if (err && !bg->err)
			bg->err = -err;
		bg->syncing = 0;
		s->bg_syncs++;
		pthread_cond_broadcast(&bg->cv);
	}
	pthread_mutex_unlock(&bg->mu);
	return NULL;
}

/* A thread to write with, and a second buffer to fill meanwhile (none: write here). */
static void seqw_bg_start(struct mlv__seqw *s)
{
	struct mlv__seqw_bg *bg = mlv__calloc(1, sizeof(*bg));
	if (!bg)
		return;
	if (!(bg->mem = mlv__malloc(s->cap + MLV_SEQW_ALIGN))) {
		free(bg);
		return;
	}
	bg->buf = bg->mem + (MLV_SEQW_ALIGN - (uintptr_t)bg->mem % MLV_SEQW_ALIGN) % MLV_SEQW_ALIGN;
	mlv__huge_pages(bg->mem, s->cap + MLV_SEQW_ALIGN);
	pthread_mutex_init(&bg->mu, NULL);
	pthread_cond_init(&bg->cv, NULL);
	pthread_cond_init(&bg->fcv, NULL);
	s->bg = bg;
	if (pthread_create(&bg->thread, NULL, seqw_thread, s)) {
		s->bg = NULL;
		pthread_mutex_destroy(&bg->mu);
		pthread_cond_destroy(&bg->cv);
		pthread_cond_destroy(&bg->fcv);
		free(bg->mem);
		free(bg);
		return;
	}
	/* without it, the final fsync does all the flushing: slower, as safe */
	pthread_mutex_lock(&bg->mu);
	bg->has_flusher = !pthread_create(&bg->flusher, NULL, seqw_flusher, s);
	pthread_mutex_unlock(&bg->mu);
}

/*
 * Write what waits in the buffer: with O_DIRECT only its aligned part, by
 * the thread, unless ALL (the rest moves to the front of the buffer); the
 * tail of ALL without O_DIRECT.
 */
static int seqw_drain(struct mlv__seqw *s, int all)
{
	size_t n;
	int err = mlv_io_point("write", s->what);
	if (err)
		return -err;
	/* the file and pos are the thread's until it is done */
	if ((err = seqw_wait(s)))
		return err;
	if (s->want_direct && !s->direct && s->pos % MLV_SEQW_ALIGN && s->len) {
		/* O_DIRECT needs an aligned file offset: get there with an ordinary write */
		n = MLV_SEQW_ALIGN - s->pos % MLV_SEQW_ALIGN;
		if (n > s->len)
			n = s->len;
		if ((err = seqw_write(s, s->buf, n)))
			return err;
		memmove(s->buf, s->buf + n, s->len - n);
		s->len -= n;
	}
	if (s->want_direct && !s->direct && s->pos % MLV_SEQW_ALIGN == 0 && seqw_set_direct(s, 1))
		s->want_direct = 0;
	n = s->direct ? s->len & ~(size_t)(MLV_SEQW_ALIGN - 1) : s->len;
	if (n && s->direct && !all && !s->bg)
		seqw_bg_start(s);
	if (n && s->direct && !all && s->bg) {
		/* the thread writes this buffer while the caller fills the other */
		struct mlv__seqw_bg *bg = s->bg;
		unsigned char *full = s->buf, *fullmem = s->mem;
		memcpy(bg->buf, s->buf + n, s->len - n);
		s->len -= n;
		s->buf = bg->buf;
		s->mem = bg->mem;
		pthread_mutex_lock(&bg->mu);
		bg->buf = full;
		bg->mem = fullmem;
		bg->job = full;
		bg->job_len = n;
		bg->busy = 1;
		pthread_cond_broadcast(&bg->cv);
		pthread_mutex_unlock(&bg->mu);
		return 0;
	}
	if (n && (err = seqw_write(s, s->buf, n)))
		return err;
	memmove(s->buf, s->buf + n, s->len - n);
	s->len -= n;
	if (all && s->len) {
		if (s->direct && seqw_set_direct(s, 0))
			return -errno;
		if ((err = seqw_write(s, s->buf, s->len)))
			return err;
		s->len = 0;
	}
	return 0;
}

int mlv__seqw_put(struct mlv__seqw *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	int err;
	if (!s->want_direct && !s->direct && len >= s->cap) {
		/* large and buffered: no copy */
		if ((err = mlv__seqw_flush(s)))
			return err;
		if ((err = mlv_io_point("write", s->what)))
			return -err;
		if ((err = seqw_write(s, p, len)))
			return err;
		s->put += len;
		return 0;
	}
	while (len > 0) {
		size_t k = s->cap - s->len < len ? s->cap - s->len : len;
		memcpy(s->buf + s->len, p, k);
		s->len += k;
		s->put += k;
		p += k;
		len -= k;
		if (s->len == s->cap && (err = seqw_drain(s, 0)))
			return err;
	}
	return 0;
}

unsigned char *mlv__seqw_slot(struct mlv__seqw *s, uint64_t off, size_t len)
{
	uint64_t base = s->put - s->len; /* the file offset of buf[0] */
	if (!s->buf || off < s->put || off - base > s->cap || len > s->cap - (off - base))
		return NULL;
	return s->buf + (off - base);
}

int mlv__seqw_advance(struct mlv__seqw *s, size_t len)
{
	int err;
	if (len > s->cap - s->len)
		return -EINVAL;
	s->len += len;
	s->put += len;
	if (s->len == s->cap && (err = seqw_drain(s, 0)))
		return err;
	return 0;
}

int mlv__seqw_putv(struct mlv__seqw *s, const struct iovec *iov, int iovcnt, size_t total)
{
	int err;
	if (s->want_direct || s->direct) {
		for (int i = 0; i < iovcnt; i++)
			if ((err = mlv__seqw_put(s, iov[i].iov_base, iov[i].iov_len)))
				return err;
		return 0;
	}
	if ((err = mlv__seqw_flush(s)) || (err = mlv_io_writev(s->fd, iov, iovcnt, total, s->what)))
		return err;
	s->pos += total;
	s->put += total;
	return 0;
}

int mlv__seqw_flush(struct mlv__seqw *s)
{
	int err = s->len ? seqw_drain(s, 1) : 0;
	int werr = seqw_wait(s);
	struct mlv__seqw_bg *bg = s->bg;
	if (bg) {
		/* a background fdatasync under way: its error is ours (see SEQW_SYNC_EVERY) */
		pthread_mutex_lock(&bg->mu);
		while (bg->sync_req || bg->syncing)
			pthread_cond_wait(&bg->cv, &bg->mu);
		if (!werr)
			werr = bg->err;
		pthread_mutex_unlock(&bg->mu);
	}
	return err ? err : werr;
}
