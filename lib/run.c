/*
 * Experiment runs (see include/mlv/run.h): the append-only log of an active
 * run, building and storing the canonical JSON record when it ends, the
 * "runs" index (id -> record id + summary) and resolving run specs.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include "mlv/cjson.h"
#include "internal.h"
#include "mlv/git.h"
#include "mlv/jsonscan.h"
#include "mlv/run.h"
#include "alloc.h"

#define LOG_MAX (256u << 20)       /* a log larger than this is not read whole */
#define METRICS_FILE_MAX (64u << 20)
#define PROBE_TIMEOUT_MS 2000      /* python / GPU probes: skipped when slower */
#define RECORD_MAX (1ULL << 30)

extern char **environ;

/* ---- small helpers ---- */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int put_str(mlv_buf *b, const char *s)
{
	return mlv_buf_put_json_string(b, s, strlen(s));
}

static int path_join(char **out, const char *dir, const char *name)
{
	mlv_buf b = MLV_BUF_INIT;
	if (name[0] == '/' || !dir)
		mlv_buf_puts(&b, name);
	else
		mlv_buf_printf(&b, "%s/%s", dir, name);
	if (!b.ptr)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	*out = mlv_buf_detach(&b);
	return 0;
}

static int read_file(mlv_buf *out, const char *path, size_t max, const char *what)
{
	char tmp[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mlv_error_set_errno(errno == ENOENT ? MLV_ENOTFOUND : MLV_EIO, errno, "cannot read %s", what);
	while ((n = read(fd, tmp, sizeof(tmp))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			return mlv_error_set_errno(MLV_EIO, e, "cannot read %s", what);
		}
		if (out->size + (size_t)n > max) {
			close(fd);
			return mlv_error_set(MLV_EINVALID, "%s is larger than %zu bytes", what, max);
		}
		if (mlv_buf_put(out, tmp, (size_t)n)) {
			close(fd);
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		}
	}
	close(fd);
	return 0;
}

/* ---- canonical JSON ---- */

static int key_cmp(const void *a, const void *b)
{
	return strcmp((*(cJSON *const *)a)->string, (*(cJSON *const *)b)->string);
}

static int canon_emit(mlv_buf *b, const cJSON *j)
{
	const cJSON *c;
	if (cJSON_IsNull(j))
		return mlv_buf_puts(b, "null");
	if (cJSON_IsTrue(j))
		return mlv_buf_puts(b, "true");
	if (cJSON_IsFalse(j))
		return mlv_buf_puts(b, "false");
	if (cJSON_IsNumber(j))
		return mlv_buf_put_json_number(b, j->valuedouble);
	if (cJSON_IsString(j))
		return put_str(b, j->valuestring);
	if (cJSON_IsArray(j)) {
		int rc = mlv_buf_putc(b, '[');
		for (c = j->child; c && !rc; c = c->next)
			rc = (c != j->child ? mlv_buf_putc(b, ',') : 0) || canon_emit(b, c);
		return rc || mlv_buf_putc(b, ']');
	}
	if (cJSON_IsObject(j)) {
		size_t n = 0, i;
		cJSON **v;
		int rc = 0;
		for (c = j->child; c; c = c->next)
			n++;
		if (!(v = mlv__malloc((n ? n : 1) * sizeof(*v))))
			return MLV_ENOMEM;
		for (i = 0, c = j->child; c; c = c->next)
			v[i++] = (cJSON *)c;
		qsort(v, n, sizeof(*v), key_cmp);
		rc = mlv_buf_putc(b, '{');
		for (i = 0; i < n && !rc; i++)
			rc = (i ? mlv_buf_putc(b, ',') : 0) || put_str(b, v[i]->string) ||
				mlv_buf_putc(b, ':') || canon_emit(b, v[i]);
		free(v);
		return rc || mlv_buf_putc(b, '}');
	}
	return MLV_EINVALID;
}

/* Parse IN as one JSON value; NULL with *NOMEM set when memory ran out. */
static cJSON *json_parse(const char *in, size_t len, size_t *errpos, int *nomem)
{
	const char *end = NULL;
	cJSON *j = mlv__json_parse(in, len, &end, nomem);
	if (!j) {
		*errpos = end && end >= in ? (size_t)(end - in) : 0;
		return NULL;
	}
	for (const char *p = end; p < in + len; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') { /* JSON's white space, not isspace's */
			cJSON_Delete(j);
			*errpos = (size_t)(p - in);
			return NULL;
		}
	return j;
}

int mlv_json_canonical(mlv_buf *out, const char *in, size_t len)
{
	size_t pos = 0;
	int nomem;
	cJSON *j;
	int rc;
	/*
	 * JSON is UTF-8. cJSON passes stray bytes through, which the output
	 * escapes as \u00XX, which read back is another character: the
	 * canonical form would not be canonical.
	 */
	for (size_t i = 0; i < len;) {
		size_t n = mlv__utf8_len((const unsigned char *)in + i, len - i);
		if (!n)
			return mlv_error_set(MLV_EINVALID, "not valid JSON (invalid UTF-8 at byte %zu)", i);
		i += n;
	}
	j = json_parse(in, len, &pos, &nomem);
	if (!j && nomem)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	if (!j)
		return mlv_error_set(MLV_EINVALID, "not valid JSON (at byte %zu)", pos);
	rc = canon_emit(out, j);
	cJSON_Delete(j);
	return rc ? mlv_error_set(MLV_ENOMEM, "out of memory") : 0;
}

/* ---- keys and values ---- */

int mlv_run_key_valid(const char *key, size_t len)
{
	if (len == 0 || len > 250 || key[0] == '.' || key[len - 1] == '.')
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)key[i];
		if (!(isalnum(c) || c == '_' || c == '-' || c == '.' || c == '/'))
			return 0;
		if (c == '.' && key[i + 1] == '.')
			return 0;
	}
	return 1;
}

int mlv_run_parse_metric(double *out, const char *text)
{
	static const char *const words[] = { "nan", "inf", "+inf", "infinity", "+infinity", "-inf", "-infinity" };
	char *end;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcasecmp(text, words[i])) {
			*out = i == 0 ? NAN : i < 5 ? INFINITY : -INFINITY;
			return 0;
		}
	errno = 0;
	/* strtod alone would take hex, "nan(...)" and leading spaces: only plain decimals here */
	for (const char *p = text; *p; p++)
		if (!strchr("0123456789+-.eE", *p))
			goto bad;
	*out = strtod(text, &end);
	if (end != text && !*end && errno != ERANGE)
		return 0;
bad:
	return mlv_error_set(MLV_EINVALID, "'%s' is not a number", text);
}

/* Split "key=value": returns the position of '=' or an error naming ARG. */
static int split_kv(const char *arg, size_t *eq, const char *what)
{
	const char *p = strchr(arg, '=');
	if (!p)
		return mlv_error_set(MLV_EINVALID, "%s '%s' is not <key>=<value>", what, arg);
	*eq = (size_t)(p - arg);
	if (!mlv_run_key_valid(arg, *eq))
		return mlv_error_set(MLV_EINVALID, "%s key '%.*s' is not valid (letters, digits, '_', '-', '.', '/')",
			what, (int)*eq, arg);
	return 0;
}

/* ---- the log ---- */

static int log_path(char **out, const char *dir, const char *id, const char *ext)
{
	mlv_buf b = MLV_BUF_INIT;
	for (const char *p = id; *p; p++)
		if (!isxdigit((unsigned char)*p))
			return mlv_error_set(MLV_EINVALID, "'%s' is not a run id", id);
	if (strlen(id) != MLV_RUN_IDSZ)
		return mlv_error_set(MLV_EINVALID, "'%s' is not a run id", id);
	if (mlv_buf_printf(&b, "%s/%s.%s", dir, id, ext))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	*out = mlv_buf_detach(&b);
	return 0;
}

static int log_open(int *fd, const char *dir, const char *id, int flags)
{
	char *path;
	int rc;
	if ((rc = log_path(&path, dir, id, "log")))
		return rc;
	*fd = open(path, flags | O_APPEND | O_CLOEXEC);
	if (*fd < 0) {
		int e = errno;
		free(path);
		if (e == ENOENT)
			return mlv_error_set(MLV_ENOTFOUND, "run %s is not active (it has ended, or was never started here)", id);
		return mlv_error_set_errno(MLV_EIO, e, "cannot open the log of run %s", id);
	}
	free(path);
	return 0;
}

static int write_all(int fd, const mlv_buf *b, const char *id)
{
	ssize_t n;
	do
		n = write(fd, b->ptr, b->size);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return mlv_error_set_errno(MLV_EIO, errno, "cannot append to the log of run %s", id);
	if ((size_t)n != b->size)
		return mlv_error_set(MLV_EIO, "cannot append to the log of run %s: short write", id);
	return 0;
}

int mlv_run_log_metrics(const char *dir, const char *id, const char *const *kv, int n, int64_t step)
{
	mlv_buf b = MLV_BUF_INIT;
	int64_t ms = now_ms();
	int fd = -1, rc = 0;
	for (int i = 0; i < n; i++) {
		size_t eq = 0; /* set by split_kv; gcc -O3 cannot see it */
		double v;
		if ((rc = split_kv(kv[i], &eq, "metric")) || (rc = mlv_run_parse_metric(&v, kv[i] + eq + 1)))
			goto done;
		/* A failed append must not leave a cut line to be written: check each. */
		if (mlv_buf_puts(&b, "{\"t\":\"m\",\"k\":") || mlv_buf_put_json_string(&b, kv[i], eq) ||
		    mlv_buf_puts(&b, ",\"v\":") || mlv_buf_put_json_number(&b, v) ||
		    (step >= 0 && mlv_buf_printf(&b, ",\"s\":%lld", (long long)step)) ||
		    mlv_buf_printf(&b, ",\"ms\":%lld}\n", (long long)ms)) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			goto done;
		}
	}
	if (!b.ptr) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = log_open(&fd, dir, id, O_WRONLY)))
		goto done;
	rc = write_all(fd, &b, id);
done:
	if (fd >= 0)
		close(fd);
	mlv_buf_release(&b);
	return rc;
}

struct kvlist {
	char **k, **v;
	size_t n, alloc;
};

static void kvlist_release(struct kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->k[i]);
		free(l->v[i]);
	}
	free(l->k);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static const char *kvlist_get(const struct kvlist *l, const char *k, size_t klen)
{
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->k[i]) == klen && !memcmp(l->k[i], k, klen))
			return l->v[i];
	return NULL;
}

static int kvlist_add(struct kvlist *l, const char *k, size_t klen, const char *v)
{
	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 8;
		char **nk = mlv__realloc(l->k, na * sizeof(*nk)), **nv;
		if (!nk)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		l->k = nk;
		if (!(nv = mlv__realloc(l->v, na * sizeof(*nv))))
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		l->v = nv;
		l->alloc = na;
	}
	if (!(l->k[l->n] = mlv__strndup(k, klen)) || !(l->v[l->n] = mlv__strdup(v))) {
		free(l->k[l->n]);
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	}
	l->n++;
	return 0;
}

/*
 * Check "key=value" params (WHAT "param") or tags ("tag") against KNOWN and
 * among themselves; append the new ones to KNOWN and, for params, to LINES
 * (log lines; NULL for tags, which are not logged).
 */
static int params_check(struct kvlist *known, const char *const *kv, int n, mlv_buf *lines, const char *what)
{
	int rc;
	for (int i = 0; i < n; i++) {
		size_t eq = 0; /* set by split_kv; gcc -O3 cannot see it */
		const char *v, *old;
		if ((rc = split_kv(kv[i], &eq, what)))
			return rc;
		v = kv[i] + eq + 1;
		if ((old = kvlist_get(known, kv[i], eq))) {
			if (strcmp(old, v))
				return mlv_error_set(MLV_EINVALID,
					"%s '%.*s' is already '%s'; a %s cannot change during a run (refused '%s')",
					what, (int)eq, kv[i], old, what, v);
			continue;
		}
		if ((rc = kvlist_add(known, kv[i], eq, v)))
			return rc;
		if (!lines)
			continue;
		/* A failed append must not leave a cut line to be written: check each. */
		if (mlv_buf_puts(lines, "{\"t\":\"p\",\"k\":") || mlv_buf_put_json_string(lines, kv[i], eq) ||
		    mlv_buf_puts(lines, ",\"v\":") || put_str(lines, v) || mlv_buf_puts(lines, "}\n"))
			return mlv_error_set(MLV_ENOMEM, "out of memory");
	}
	return 0;
}

/* Call FN for each JSON line of the log text (a damaged line gets J == NULL). */
typedef int (*line_fn)(void *payload, size_t lineno, const cJSON *j);

static int log_each(const mlv_buf *text, line_fn fn, void *payload)
{
	const char *p = text->ptr, *end;
	size_t lineno = 0;
	int rc = 0;
	if (!text->size) /* PTR may be NULL: no arithmetic on it */
		return 0;
	end = p + text->size;
	while (p && p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p), pos;
		int nomem = 0;
		cJSON *j;
		lineno++;
		if (!nl) /* a torn last line (writer killed mid-write) */
			j = NULL;
		else
			j = json_parse(p, len, &pos, &nomem);
		if (nomem) /* not a damaged line: the run must not lose it */
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		rc = fn(payload, lineno, j);
		cJSON_Delete(j);
		p = nl ? nl + 1 : end;
	}
	return rc;
}

static int collect_param(void *payload, size_t lineno, const cJSON *j)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "t");
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "k");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "v");
	(void)lineno;
	if (!cJSON_IsString(t) || strcmp(t->valuestring, "p") || !cJSON_IsString(k) || !cJSON_IsString(v))
		return 0;
	if (kvlist_get(payload, k->valuestring, strlen(k->valuestring)))
		return 0;
	return kvlist_add(payload, k->valuestring, strlen(k->valuestring), v->valuestring);
}

int mlv_run_log_params(const char *dir, const char *id, const char *const *kv, int n)
{
	struct kvlist known = { 0 };
	mlv_buf text = MLV_BUF_INIT, lines = MLV_BUF_INIT;
	char *path = NULL;
	int fd = -1, rc;

	if ((rc = log_open(&fd, dir, id, O_RDWR)))
		goto done;
	while (flock(fd, LOCK_EX) && errno == EINTR)
		;
	if ((rc = log_path(&path, dir, id, "log")) || (rc = read_file(&text, path, LOG_MAX, "the run log")) ||
	    (rc = log_each(&text, collect_param, &known)))
		goto done;
	if ((rc = params_check(&known, kv, n, &lines, "param")))
		goto done;
	if (lines.size)
		rc = write_all(fd, &lines, id);
done:
	if (fd >= 0)
		close(fd); /* releases the lock */
	free(path);
	mlv_buf_release(&text);
	mlv_buf_release(&lines);
	kvlist_release(&known);
	return rc;
}

/* ---- probes of the environment ---- */

struct probe {
	pid_t pid;
	int fd;
	mlv_buf out;
	int done, ok;
};

static int on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];
	while (path && *path) {
		const char *c = strchr(path, ':');
		size_t n = c ? (size_t)(c - path) : strlen(path);
		if (n && n < sizeof(buf) - strlen(prog) - 2) {
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
			if (!access(buf, X_OK))
				return 1;
		}
		path = c ? c + 1 : NULL;
	}
	return 0;
}

/* The first executable PROG on PATH into OUT, as execvp would find it; 0 when none. */
static int find_exe(const char *prog, char *out, size_t outsz)
{
	const char *path = getenv("PATH");
	while (path && *path) {
		const char *c = strchr(path, ':');
		size_t n = c ? (size_t)(c - path) : strlen(path);
		if (n && n + strlen(prog) + 2 < outsz) {
			snprintf(out, outsz, "%.*s/%s", (int)n, path, prog);
			if (!access(out, X_OK))
				return 1;
		}
		path = c ? c + 1 : NULL;
	}
	return 0;
}

/* Start ARGV with stdout to a pipe, stdin and stderr on /dev/null. Failure just leaves P unused. */
static void probe_start(struct probe *p, char *const *argv)
{
	posix_spawn_file_actions_t fa;
	int pfd[2];
	p->pid = -1;
	p->fd = -1;
	if (!on_path(argv[0]) || pipe2(pfd, O_CLOEXEC))
		return;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&p->pid, argv[0], &fa, NULL, argv, environ))
		p->pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (p->pid < 0)
		close(pfd[0]);
	else
		p->fd = pfd[0];
}

/* Read the probe's output until it ends or DEADLINE (monotonic ms); kill it when late. */
static void probe_finish(struct probe *p, int64_t deadline)
{
	char tmp[16384];
	int status;
	if (p->pid < 0 || p->done)
		return;
	for (;;) {
		struct pollfd pfd = { p->fd, POLLIN, 0 };
		/* past the deadline, still take what a finished probe already wrote */
		int64_t left = deadline - mono_ms();
		ssize_t n;
		int ready = poll(&pfd, 1, left > 0 ? (int)left : 0);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			break;
		n = read(p->fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			p->ok = n == 0;
			break;
		}
		if (p->out.size < (8u << 20))
			mlv_buf_put(&p->out, tmp, (size_t)n);
	}
	if (!p->ok)
		kill(p->pid, SIGKILL);
	while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (p->ok && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		p->ok = 0;
	close(p->fd);
	p->fd = -1;
	p->done = 1;
}

static void probe_release(struct probe *p)
{
	if (p->pid > 0 && !p->done) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
		close(p->fd);
	}
	mlv_buf_release(&p->out);
}

/* The environment that cannot change while the command runs, as JSON members (no braces). */
static void env_static(mlv_buf *b)
{
	struct utsname u;
	mlv_buf text = MLV_BUF_INIT;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (!uname(&u)) {
		mlv_buf_puts(b, "\"os\":");
		put_str(b, u.sysname);
		mlv_buf_puts(b, ",\"kernel\":");
		put_str(b, u.release);
		mlv_buf_puts(b, ",\"machine\":");
		put_str(b, u.machine);
		mlv_buf_puts(b, ",\"host\":");
		put_str(b, u.nodename);
		mlv_buf_putc(b, ',');
	}
	mlv_buf_printf(b, "\"cpu\":{\"count\":%ld", ncpu > 0 ? ncpu : 0);
	if (!read_file(&text, "/proc/cpuinfo", 16u << 20, "/proc/cpuinfo")) {
		const char *p = strstr(mlv_buf_cstr(&text), "model name");
		if (p && (p = strchr(p, ':'))) {
			const char *e = strchr(p, '\n');
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			mlv_buf_puts(b, ",\"model\":");
			mlv_buf_put_json_string(b, p, e ? (size_t)(e - p) : strlen(p));
		}
	}
	mlv_buf_putc(b, '}');
	mlv_buf_clear(&text);
	if (!read_file(&text, "/proc/meminfo", 1u << 20, "/proc/meminfo")) {
		const char *p = strstr(mlv_buf_cstr(&text), "MemTotal:");
		if (p)
			mlv_buf_printf(b, ",\"memory_bytes\":%llu", strtoull(p + 9, NULL, 10) * 1024ULL);
	}
	mlv_buf_release(&text);
	mlv_error_clear();
}

/* ---- the run ---- */

struct out_item {
	char *path;
};

struct mlv_run {
	mlv_store *st;
	const mlv_run_opts *opts;
	char id[MLV_RUN_IDSZ + 1];
	char *dir, *logpath, *outpath, *errpath;
	int logfd, outfd, errfd;
	int64_t start_ms, start_mono, end_ms, duration_ms;
	struct kvlist params;
	struct kvlist tags;
	int has_git, dirty;
	char commit[41];
	mlv_buf diff;
	mlv_buf deps;    /* JSON array members */
	mlv_buf env;     /* JSON object members */
	struct probe py, gpu;
	int64_t probe_deadline;
	mlv_buf pykey;   /* the python cache's key (empty: do not cache) */
	int py_fresh;    /* py.out comes from a probe run now (with its header) */
	char **warnings;
	int nwarn;
	int finished;
};

static void warn(mlv_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(mlv_run *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	char **nw = mlv__realloc(r->warnings, (size_t)(r->nwarn + 1) * sizeof(*nw));
	if (!nw)
		return;
	r->warnings = nw;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((r->warnings[r->nwarn] = mlv__strdup(msg)))
		r->nwarn++;
}

const char *mlv_run_id(const mlv_run *run) { return run->id; }
const char *mlv_run_dir(const mlv_run *run) { return run->dir; }
int mlv_run_stream_fd(const mlv_run *run, int which) { return which == 2 ? run->errfd : run->outfd; }
int64_t mlv_run_duration_ms(const mlv_run *run) { return run->duration_ms; }

const char *mlv_run_warning(const mlv_run *run, int i)
{
	return i >= 0 && i < run->nwarn ? run->warnings[i] : NULL;
}

static int add_dep(mlv_run *r, const char *arg)
{
	char *abs = NULL, *ptrpath = NULL;
	mlv_pointer ptr;
	struct stat sb;
	int rc = 0, tracked = 0;
	size_t n = strlen(arg);
	mlv_buf *b = &r->deps;

	if ((rc = path_join(&abs, r->opts->cwd, arg)))
		return rc;
	/* "x.csv" and "x.csv.mlv" both name the tracked x.csv */
	if (n > 4 && !strcmp(arg + n - 4, MLV_POINTER_EXT)) {
		abs[strlen(abs) - 4] = '\0';
	}
	{
		mlv_buf p = MLV_BUF_INIT;
		if (mlv_buf_printf(&p, "%s%s", abs, MLV_POINTER_EXT)) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			goto done;
		}
		ptrpath = mlv_buf_detach(&p);
	}
	if (!lstat(ptrpath, &sb) && S_ISREG(sb.st_mode)) {
		if ((rc = mlv_pointer_read(&ptr, ptrpath)))
			goto done;
		tracked = 1;
	} else if (!stat(abs, &sb) && S_ISREG(sb.st_mode)) {
		int fd = open(abs, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rc = mlv_error_set_errno(MLV_EIO, errno, "cannot read dependency '%s'", arg);
			goto done;
		}
		memset(&ptr, 0, sizeof(ptr));
		ptr.kind = MLV_PTR_FILE;
		rc = mlv_hash_fd(&ptr.oid, &ptr.size, fd, arg);
		close(fd);
		if (rc)
			goto done;
	} else if (!stat(abs, &sb)) {
		rc = mlv_error_set(MLV_EINVALID, "dependency '%s' is a directory that is not tracked (track it first)", arg);
		goto done;
	} else {
		rc = mlv_error_set(MLV_ENOTFOUND, "dependency '%s' does not exist", arg);
		goto done;
	}
	{
		char hex[MLV_OID_HEXSZ + 1];
		if (b->size)
			mlv_buf_putc(b, ',');
		mlv_buf_puts(b, "{\"path\":");
		put_str(b, arg);
		mlv_buf_printf(b, ",\"kind\":\"%s\",\"oid\":\"sha256:%s\",\"size\":%llu,\"tracked\":%s",
			mlv_ptr_kind_name(ptr.kind), mlv_oid_fmt(hex, &ptr.oid), (unsigned long long)ptr.size,
			tracked ? "true" : "false");
		if (ptr.kind == MLV_PTR_DIR)
			mlv_buf_printf(b, ",\"files\":%llu", (unsigned long long)ptr.files);
		mlv_buf_putc(b, '}');
	}
done:
	free(abs);
	free(ptrpath);
	return rc;
}

/*
 * HEAD and whether tracked files differ from it, from `git status` when git
 * is on PATH: libgit2's start-up alone (loading 16 libraries and parsing
 * the system's CA certificates in git_libgit2_init) takes about 10 ms, git
 * answers in 2. The same question as mlv_repo_head: index and work tree
 * against HEAD, untracked files and submodules ignored; --no-optional-locks
 * so that it never writes the index. 1: answered (r->has_git, r->commit,
 * r->dirty set; no .git above DIR or no commit yet leaves has_git 0). 0: ask
 * libgit2 (git missing or failing, or output this code does not know).
 */
/* No .git (directory or file) in DIR or above, and no GIT_DIR: surely not in a git work tree. */
static int outside_git(const char *dir)
{
	char *p = mlv__realpath(dir);
	int outside = 1;
	if (!p || (getenv("GIT_DIR") && *getenv("GIT_DIR"))) {
		free(p);
		return 0;
	}
	for (;;) {
		struct stat sb;
		size_t n = strlen(p);
		char *q = mlv__malloc(n + 6);
		if (!q) {
			outside = 0;
			break;
		}
		snprintf(q, n + 6, "%s/.git", n == 1 ? "" : p);
		if (!lstat(q, &sb)) {
			outside = 0;
			free(q);
			break;
		}
		free(q);
		if (n == 1)
			break;
		*(strrchr(p, '/') == p ? p + 1 : strrchr(p, '/')) = '\0';
	}
	free(p);
	return outside;
}

static int git_state_cli(mlv_run *r)
{
	char *argv[] = { "git", "--no-optional-locks", "status", "--porcelain=v2", "--branch", "--untracked-files=no",
		"--ignore-submodules=all", NULL };
	const char *dir = r->opts->cwd ? r->opts->cwd : ".";
	posix_spawn_file_actions_t fa;
	char exe[4096], tmp[16384];
	mlv_buf out = MLV_BUF_INIT;
	int pfd[2], status, answered = 0;
	pid_t pid;
	if (outside_git(dir))
		return 1; /* has_git stays 0, as when libgit2 finds no repository */
	if (!find_exe("git", exe, sizeof(exe)) || pipe2(pfd, O_CLOEXEC))
		return 0;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addchdir_np(&fa, dir);
	if (posix_spawn(&pid, exe, &fa, NULL, argv, environ))
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return 0;
	}
	for (;;) {
		ssize_t n = read(pfd[0], tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		mlv_buf_put(&out, tmp, (size_t)n);
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* git failed (a bare repository, an ownership check, damage...): libgit2 decides */
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !out.ptr)
		goto done;
	{
		const char *p = out.ptr, *end = p + out.size, *oid = NULL;
		int dirty = 0;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
			if (len > 13 && !memcmp(p, "# branch.oid ", 13))
				oid = p + 13;
			else if (len && *p != '#')
				dirty = 1;
			p += len + 1;
		}
		if (!oid)
			goto done;
		if (!memcmp(oid, "(initial)", 9)) { /* no commit yet: as libgit2's "HEAD has no commit yet" */
			answered = 1;
			goto done;
		}
		if (strspn(oid, "0123456789abcdef") != 40 || oid[40] != '\n')
			goto done; /* a SHA-256 repository or something new: libgit2 decides */
		memcpy(r->commit, oid, 40);
		r->commit[40] = '\0';
		r->dirty = dirty;
		r->has_git = 1;
		answered = 1;
	}
done:
	mlv_buf_release(&out);
	return answered;
}

static void git_state(mlv_run *r)
{
	mlv_repo *repo = NULL;
	if (git_state_cli(r)) {
		/* the diff of a dirty tree still comes from libgit2 */
		if (r->has_git && r->dirty) {
			if (mlv_repo_open(&repo, r->opts->cwd ? r->opts->cwd : ".") || mlv_repo_diff_head(repo, &r->diff))
				warn(r, "could not record the git diff: %s", mlv_error_last());
			mlv_repo_free(repo);
		}
		mlv_error_clear();
		return;
	}
	if (mlv_repo_open(&repo, r->opts->cwd ? r->opts->cwd : ".") == 0 &&
	    mlv_repo_head(repo, r->commit, &r->dirty) == 0) {
		r->has_git = 1;
		if (r->dirty && mlv_repo_diff_head(repo, &r->diff))
			warn(r, "could not record the git diff: %s", mlv_error_last());
	}
	mlv_repo_free(repo);
	mlv_error_clear();
}

/*
 * The python probe. First, for the cache (see py_cache_load), every sys.path
 * entry with its mtime in ns ("-" when it does not exist), after their
 * count (-1: a path holds a newline, do not cache). '' (the current
 * directory, which `-c` puts first) is left out: a package is what is
 * installed, not what lies in the directory mlv runs in. Then the version
 * and the packages.
 */
static const char py_script[] =
	"import sys, os\n"
	"sys.path[:] = [p for p in sys.path if p]\n"
	"st = []\n"
	"for p in sys.path:\n"
	"    try: st.append('%d %s' % (os.stat(p).st_mtime_ns, p))\n"
	"    except OSError: st.append('- %s' % p)\n"
	"if any('\\n' in p for p in sys.path): st = None\n"
	"print(-1 if st is None else len(st))\n"
	"for l in st or []: print(l)\n"
	"print(sys.version.split()[0])\n"
	"try:\n"
	"    from importlib.metadata import distributions\n"
	"    names = set()\n"
	"    for d in distributions():\n"
	"        n = d.metadata['Name']\n"
	"        if n: names.add('%s==%s' % (n, d.version))\n"
	"    print('\\n'.join(sorted(names, key=str.lower)))\n"
	"except Exception:\n"
	"    pass\n";

/*
 * ---- the python probe's cache ----
 *
 * Listing the packages takes python 0.1-0.3 s, and `mlv run` must wait for
 * it before it records. The answer only changes when python or a directory
 * it takes packages from changes, so it is kept in runs/python-env.cache
 * with what it depends on:
 *
 *   mlv python-env cache 1
 *   exe <path of python3 on PATH> <dev> <ino> <size> <mtime ns>
 *   env <NAME>=<value> | env <NAME> unset     (variables that move sys.path)
 *   paths <n>
 *   <mtime ns>|- <path>                       (every sys.path entry)
 *   output
 *   <the version and the packages>
 *
 * and used while all of it still holds (installing, upgrading or removing
 * a package adds or removes a *.dist-info entry, which changes the mtime of
 * its directory). A cache that does not parse is a miss. It is a cache, not
 * store data: written with plain calls, no fsync, failures ignored.
 */
#define PY_CACHE "python-env.cache"
#define PY_CACHE_MAGIC "mlv python-env cache 1\n"

static int64_t mtime_ns(const struct stat *sb)
{
	return (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

/* The key: python3's identity and the environment that moves sys.path. 0, or -1: do not cache. */
static int py_key(mlv_buf *key)
{
	static const char *const vars[] = { "PYTHONPATH", "PYTHONHOME", "PYTHONUSERBASE", "PYTHONNOUSERSITE",
		"PYTHONSAFEPATH", "PYTHONPLATLIBDIR", "VIRTUAL_ENV", "HOME", NULL };
	char exe[4096];
	struct stat sb;
	char magic[4];
	int fd;
	ssize_t n;
	if (!find_exe("python3", exe, sizeof(exe)) || stat(exe, &sb) || strchr(exe, '\n'))
		return -1;
	/*
	 * Only a real interpreter: a script on PATH (pyenv's and asdf's shims)
	 * picks the python to run from files the key does not see
	 * (.python-version in the current directory or above).
	 */
	if ((fd = open(exe, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n != 4 || memcmp(magic, "\177ELF", 4))
		return -1;
	mlv_buf_puts(key, PY_CACHE_MAGIC);
	mlv_buf_printf(key, "exe %s %llu %llu %lld %lld\n", exe, (unsigned long long)sb.st_dev,
		(unsigned long long)sb.st_ino, (long long)sb.st_size, (long long)mtime_ns(&sb));
	for (int i = 0; vars[i]; i++) {
		const char *v = getenv(vars[i]);
		if (v && strchr(v, '\n'))
			return -1;
		if (v)
			mlv_buf_printf(key, "env %s=%s\n", vars[i], v);
		else
			mlv_buf_printf(key, "env %s unset\n", vars[i]);
	}
	return key->ptr ? 0 : -1;
}

/*
 * Check the "paths" block at P (END its end): every entry still has its
 * mtime. Returns the start of the next block, or NULL.
 */
static const char *py_paths_check(const char *p, const char *end, int check)
{
	long n;
	char *e;
	if ((size_t)(end - p) < 6 || memcmp(p, "paths ", 6))
		return NULL;
	n = strtol(p + 6, &e, 10);
	if (n < 0 || e >= end || *e != '\n')
		return NULL;
	p = e + 1;
	for (long i = 0; i < n; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *sp;
		char path[4096];
		struct stat sb;
		if (!nl || !(sp = memchr(p, ' ', (size_t)(nl - p))) || (size_t)(nl - sp - 1) >= sizeof(path))
			return NULL;
		memcpy(path, sp + 1, (size_t)(nl - sp - 1));
		path[nl - sp - 1] = '\0';
		if (check) {
			if (*p == '-' && sp == p + 1) {
				if (!stat(path, &sb))
					return NULL;
			} else {
				char want[32];
				if (stat(path, &sb))
					return NULL;
				snprintf(want, sizeof(want), "%lld", (long long)mtime_ns(&sb));
				if ((size_t)(sp - p) != strlen(want) || memcmp(p, want, (size_t)(sp - p)))
					return NULL;
			}
		}
		p = nl + 1;
	}
	return p;
}

/* A valid cache: its output goes into r->py as a finished probe. 1 when used. */
static int py_cache_load(mlv_run *r)
{
	mlv_buf text = MLV_BUF_INIT, path = MLV_BUF_INIT;
	const char *p, *end;
	int hit = 0;
	if (py_key(&r->pykey)) {
		mlv_buf_release(&r->pykey);
		return 0;
	}
	mlv_buf_printf(&path, "%s/%s", r->dir, PY_CACHE);
	if (!path.ptr || read_file(&text, path.ptr, 16u << 20, "the python cache"))
		goto done;
	p = text.ptr;
	end = p + text.size;
	if (text.size < r->pykey.size || memcmp(p, r->pykey.ptr, r->pykey.size))
		goto done;
	if (!(p = py_paths_check(p + r->pykey.size, end, 1)) || (size_t)(end - p) < 7 || memcmp(p, "output\n", 7))
		goto done;
	p += 7;
	mlv_buf_clear(&r->py.out);
	if (mlv_buf_put(&r->py.out, p, (size_t)(end - p)))
		goto done;
	r->py.ok = r->py.done = 1;
	hit = 1;
done:
	mlv_error_clear();
	mlv_buf_release(&text);
	mlv_buf_release(&path);
	return hit;
}

/* After a fresh probe: take its header off r->py.out and, when it can be cached, write the cache. */
static void py_cache_store(mlv_run *r)
{
	mlv_buf c = MLV_BUF_INIT, tmp = MLV_BUF_INIT, path = MLV_BUF_INIT;
	const char *p = r->py.out.ptr, *end = p + r->py.out.size, *nl, *body;
	long n;
	char *e;
	if (!r->py.ok || !p)
		return;
	n = strtol(p, &e, 10);
	if (e == p || e >= end || *e != '\n') {
		r->py.ok = 0;
		return;
	}
	/* the header without the count, as a paths block */
	mlv_buf_printf(&c, "paths %ld\n", n < 0 ? 0 : n);
	body = e + 1;
	for (long i = 0; i < n && body < end; i++) {
		if (!(nl = memchr(body, '\n', (size_t)(end - body))))
			break;
		body = nl + 1;
	}
	mlv_buf_put(&c, e + 1, (size_t)(body - (e + 1)));
	/* n < 0: a sys.path entry holds a newline; not cached */
	if (n >= 0 && r->pykey.size && c.ptr && py_paths_check(c.ptr, c.ptr + c.size, 0) == c.ptr + c.size) {
		mlv_buf_put(&tmp, r->pykey.ptr, r->pykey.size);
		mlv_buf_put(&tmp, c.ptr, c.size);
		mlv_buf_puts(&tmp, "output\n");
		mlv_buf_put(&tmp, body, (size_t)(end - body));
		mlv_buf_printf(&path, "%s/%s.tmp-%ld", r->dir, PY_CACHE, (long)getpid());
		if (tmp.ptr && path.ptr) {
			int fd = open(path.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd >= 0) {
				int ok = write(fd, tmp.ptr, tmp.size) == (ssize_t)tmp.size;
				close(fd);
				mlv_buf_clear(&c);
				mlv_buf_printf(&c, "%s/%s", r->dir, PY_CACHE);
				if (!ok || !c.ptr || rename(path.ptr, c.ptr))
					unlink(path.ptr);
			}
		}
	}
	/* the record gets the version and the packages only */
	memmove(r->py.out.ptr, body, (size_t)(end - body));
	r->py.out.size = (size_t)(end - body);
	mlv_buf_release(&c);
	mlv_buf_release(&tmp);
	mlv_buf_release(&path);
}

int mlv_run_begin(mlv_run **out, mlv_store *st, const mlv_run_opts *opts)
{
	mlv_run *r = mlv__calloc(1, sizeof(*r));
	unsigned char rnd[MLV_RUN_IDSZ / 2];
	mlv_buf lines = MLV_BUF_INIT;
	int rc = 0;

	*out = NULL;
	if (!r)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	r->st = st;
	r->opts = opts;
	r->logfd = r->outfd = r->errfd = -1;
	r->py.pid = r->gpu.pid = -1;
	r->py.fd = r->gpu.fd = -1;
	if (opts->name && (!*opts->name || strlen(opts->name) > 200 || strchr(opts->name, '\n'))) {
		rc = mlv_error_set(MLV_EINVALID, "run name '%s' is empty, too long or holds a newline", opts->name);
		goto fail;
	}
	if ((rc = params_check(&r->params, opts->params, opts->nparams, &lines, "param")) ||
	    (rc = params_check(&r->tags, opts->tags, opts->ntags, NULL, "tag")))
		goto fail;
	for (int i = 0; i < opts->ndeps; i++)
		if ((rc = add_dep(r, opts->deps[i])))
			goto fail;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		rc = mlv_error_set_errno(MLV_EIO, errno, "cannot get random bytes for the run id");
		goto fail;
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(r->id + 2 * i, 3, "%02x", rnd[i]);
	{
		/* tests only: a chosen id, to make two runs share a prefix */
		const char *t = getenv("MLV_TEST_RUN_ID");
		if (t && strlen(t) == MLV_RUN_IDSZ && strspn(t, "0123456789abcdef") == MLV_RUN_IDSZ)
			memcpy(r->id, t, MLV_RUN_IDSZ);
	}
	if ((rc = path_join(&r->dir, mlv_store_path(st), MLV_RUN_DIRNAME)))
		goto fail;
	if (mkdir(r->dir, 0755) && errno != EEXIST) {
		rc = mlv_error_set_errno(MLV_EIO, errno, "cannot create '%s'", r->dir);
		goto fail;
	}
	if ((rc = log_path(&r->logpath, r->dir, r->id, "log")) || (rc = log_path(&r->outpath, r->dir, r->id, "stdout")) ||
	    (rc = log_path(&r->errpath, r->dir, r->id, "stderr")))
		goto fail;
	r->start_ms = now_ms();
	r->start_mono = mono_ms();
	r->logfd = open(r->logpath, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
	if (r->logfd < 0) {
		rc = mlv_error_set_errno(MLV_EIO, errno, "cannot create '%s'", r->logpath);
		goto fail;
	}
	r->outfd = open(r->outpath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	r->errfd = r->outfd < 0 ? -1 : open(r->errpath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (r->errfd < 0) {
		rc = mlv_error_set_errno(MLV_EIO, errno, "cannot create the capture files in '%s'", r->dir);
		goto fail;
	}
	{
		/* the header, then the -p params (so log-param checks against them) */
		mlv_buf h = MLV_BUF_INIT;
		mlv_buf_printf(&h, "{\"t\":\"run\",\"id\":\"%s\",\"pid\":%ld,\"start_ms\":%lld}\n", r->id, (long)getpid(),
			(long long)r->start_ms);
		mlv_buf_put(&h, lines.ptr, lines.size);
		rc = h.ptr ? write_all(r->logfd, &h, r->id) : mlv_error_set(MLV_ENOMEM, "out of memory");
		mlv_buf_release(&h);
		if (rc)
			goto fail;
	}
	git_state(r);
	env_static(&r->env);
	r->probe_deadline = mono_ms() + PROBE_TIMEOUT_MS;
	if (!opts->no_python && !py_cache_load(r)) {
		char *pyargv[] = { "python3", "-c", (char *)py_script, NULL };
		probe_start(&r->py, pyargv);
		r->py_fresh = 1;
	}
	{
		char *gargv[] = { "nvidia-smi", "--query-gpu=name,memory.total,driver_version",
			"--format=csv,noheader", NULL };
		probe_start(&r->gpu, gargv);
	}
	mlv_buf_release(&lines);
	*out = r;
	return 0;
fail:
	mlv_buf_release(&lines);
	/* nothing ran: leave nothing behind */
	if (r->logfd >= 0)
		unlink(r->logpath);
	if (r->outfd >= 0)
		unlink(r->outpath);
	if (r->errfd >= 0)
		unlink(r->errpath);
	mlv_run_free(r);
	return rc;
}

void mlv_run_free(mlv_run *r)
{
	if (!r)
		return;
	probe_release(&r->py);
	probe_release(&r->gpu);
	mlv_buf_release(&r->pykey);
	if (r->logfd >= 0)
		close(r->logfd);
	if (r->outfd >= 0)
		close(r->outfd);
	if (r->errfd >= 0)
		close(r->errfd);
	free(r->dir);
	free(r->logpath);
	free(r->outpath);
	free(r->errpath);
	kvlist_release(&r->params);
	kvlist_release(&r->tags);
	mlv_buf_release(&r->diff);
	mlv_buf_release(&r->deps);
	mlv_buf_release(&r->env);
	for (int i = 0; i < r->nwarn; i++)
		free(r->warnings[i]);
	free(r->warnings);
	free(r);
}

/* ---- metrics at the end ---- */

struct point {
	char *key;
	int64_t step;
	int has_step;
	double v;
	int64_t ms;
	size_t seq;
};

struct points {
	struct point *v;
	size_t n, alloc;
};

static int points_add(struct points *p, const char *key, int64_t step, int has_step, double v, int64_t ms)
{
	if (p->n == p->alloc) {
		size_t na = p->alloc ? p->alloc * 2 : 64;
		struct point *nv = mlv__realloc(p->v, na * sizeof(*nv));
		if (!nv)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		p->v = nv;
		p->alloc = na;
	}
	if (!(p->v[p->n].key = mlv__strdup(key)))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	p->v[p->n].step = step;
	p->v[p->n].has_step = has_step;
	p->v[p->n].v = v;
	p->v[p->n].ms = ms;
	p->v[p->n].seq = p->n;
	p->n++;
	return 0;
}

static void points_release(struct points *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].key);
	free(p->v);
}

struct log_state {
	mlv_run *r;
	struct points *pts;
	int damaged;
};

static double json_metric(const cJSON *v, int *ok)
{
	double d;
	*ok = 1;
	if (cJSON_IsNumber(v))
		return v->valuedouble;
	if (cJSON_IsString(v) && !mlv_run_parse_metric(&d, v->valuestring))
		return d;
	*ok = 0;
	return 0;
}

static int collect_log(void *payload, size_t lineno, const cJSON *j)
{
	struct log_state *s = payload;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "t");
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "k");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "v");
	(void)lineno;
	if (!cJSON_IsString(t)) {
		s->damaged++;
		return 0;
	}
	if (!strcmp(t->valuestring, "p") && cJSON_IsString(k) && cJSON_IsString(v)) {
		if (!kvlist_get(&s->r->params, k->valuestring, strlen(k->valuestring)))
			return kvlist_add(&s->r->params, k->valuestring, strlen(k->valuestring), v->valuestring);
		return 0;
	}
	if (!strcmp(t->valuestring, "m") && cJSON_IsString(k)) {
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "s");
		const cJSON *ms = cJSON_GetObjectItemCaseSensitive(j, "ms");
		int ok;
		double d = json_metric(v, &ok);
		if (!ok) {
			s->damaged++;
			return 0;
		}
		return points_add(s->pts, k->valuestring, cJSON_IsNumber(st) ? (int64_t)st->valuedouble : 0,
			cJSON_IsNumber(st), d, cJSON_IsNumber(ms) ? (int64_t)ms->valuedouble : 0);
	}
	if (strcmp(t->valuestring, "run"))
		s->damaged++;
	return 0;
}

static int flatten(mlv_run *r, struct points *pts, const cJSON *j, mlv_buf *prefix, int64_t ms, int *skipped)
{
	for (const cJSON *c = j->child; c; c = c->next) {
		size_t keep = prefix->size;
		int rc = 0;
		if ((prefix->size && mlv_buf_putc(prefix, '.')) || mlv_buf_puts(prefix, c->string))
			return mlv_error_set(MLV_ENOMEM, "out of memory"); /* never record a metric under a cut name */
		if (cJSON_IsObject(c))
			rc = flatten(r, pts, c, prefix, ms, skipped);
		else if (cJSON_IsNumber(c))
			rc = points_add(pts, mlv_buf_cstr(prefix), 0, 0, c->valuedouble, ms);
		else
			(*skipped)++;
		prefix->size = keep;
		if (prefix->ptr)
			prefix->ptr[keep] = '\0';
		if (rc)
			return rc;
	}
	return 0;
}

static int read_metrics_file(mlv_run *r, struct points *pts, const char *name)
{
	mlv_buf text = MLV_BUF_INIT;
	char *path = NULL, what[512];
	int64_t ms = now_ms();
	int rc = 0;
	const char *p, *end;

	snprintf(what, sizeof(what), "--metrics '%s'", name);
	if ((rc = path_join(&path, r->opts->cwd, name)))
		return rc;
	if (read_file(&text, path, METRICS_FILE_MAX, what)) {
		warn(r, "%s; no metrics read from it", mlv_error_last());
		goto done;
	}
	p = mlv_buf_cstr(&text);
	end = p + text.size;
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p < end && (*p == '{' || *p == '[')) {
		size_t pos = 0;
		int nomem;
		cJSON *j = json_parse(text.ptr, text.size, &pos, &nomem);
		mlv_buf prefix = MLV_BUF_INIT;
		int skipped = 0;
		if (!j && nomem) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			goto done;
		}
		if (!j) {
			warn(r, "metrics file '%s' is not valid JSON (at byte %zu); no metrics read from it", name, pos);
			goto done;
		}
		if (!cJSON_IsObject(j))
			warn(r, "metrics file '%s' is not a JSON object; no metrics read from it", name);
		else
			rc = flatten(r, pts, j, &prefix, ms, &skipped);
		if (skipped)
			warn(r, "metrics file '%s': %d value(s) that are not numbers ignored", name, skipped);
		mlv_buf_release(&prefix);
		cJSON_Delete(j);
		goto done;
	}
	/* text: "step,key,value" lines (CSV) or "key value" lines */
	{
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		int csv = memchr(p, ',', (size_t)((nl ? nl : end) - p)) != NULL;
		size_t lineno = 0;
		for (p = text.ptr; p && p < end && !rc; p = nl ? nl + 1 : NULL) {
			char line[1024], *f[3], *save = NULL;
			int nf = 0;
			size_t len;
			nl = memchr(p, '\n', (size_t)(end - p));
			len = nl ? (size_t)(nl - p) : (size_t)(end - p);
			lineno++;
			if (len >= sizeof(line)) {
				warn(r, "metrics file '%s' line %zu is too long; skipped", name, lineno);
				continue;
			}
			memcpy(line, p, len);
			line[len] = '\0';
			if (len && line[len - 1] == '\r')
				line[len - 1] = '\0';
			for (char *tok = strtok_r(line, csv ? "," : " \t", &save); tok && nf < 3;
			     tok = strtok_r(NULL, csv ? "," : " \t", &save)) {
				while (isspace((unsigned char)*tok))
					tok++;
				for (char *e = tok + strlen(tok); e > tok && isspace((unsigned char)e[-1]); e--)
					e[-1] = '\0';
				f[nf++] = tok;
			}
			if (nf == 0 || f[0][0] == '#')
				continue;
			if (csv) {
				char *e;
				double v;
				long long step;
				errno = 0;
				step = strtoll(f[0], &e, 10);
				if (lineno == 1 && (e == f[0] || *e)) /* a header */
					continue;
				if (nf != 3 || e == f[0] || *e || errno || step < 0 || !*f[1] ||
				    mlv_run_parse_metric(&v, f[2])) {
					warn(r, "metrics file '%s' line %zu is not 'step,key,value'; skipped", name, lineno);
					continue;
				}
				rc = points_add(pts, f[1], step, 1, v, ms);
			} else {
				double v;
				if (nf != 2 || mlv_run_parse_metric(&v, f[1])) {
					warn(r, "metrics file '%s' line %zu is not '<key> <value>'; skipped", name, lineno);
					continue;
				}
				rc = points_add(pts, f[0], 0, 0, v, ms);
			}
		}
	}
done:
	mlv_error_clear();
	free(path);
	mlv_buf_release(&text);
	return rc;
}

static int point_cmp(const void *a, const void *b)
{
	const struct point *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	if (x->step != y->step)
		return x->step < y->step ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Give the points without a step their step (log order), sort, and write "metrics" and the latest values. */
static int metrics_json(struct points *pts, mlv_buf *rec, mlv_buf *latest)
{
	size_t i, j;
	for (i = 0; i < pts->n; i++) {
		struct point *p = &pts->v[i];
		if (p->has_step)
			continue;
		int64_t max = -1;
		for (j = 0; j < i; j++) /* quadratic only in the points of one run, read once */
			if (!strcmp(pts->v[j].key, p->key) && pts->v[j].step > max)
				max = pts->v[j].step;
		p->step = max + 1;
		p->has_step = 1;
	}
	if (pts->n)
		qsort(pts->v, pts->n, sizeof(*pts->v), point_cmp);
	mlv_buf_putc(rec, '{');
	mlv_buf_putc(latest, '{');
	for (i = 0; i < pts->n; i = j) {
		const struct point *last;
		for (j = i; j < pts->n && !strcmp(pts->v[j].key, pts->v[i].key); j++)
			;
		last = &pts->v[j - 1];
		if (i) {
			mlv_buf_putc(rec, ',');
			mlv_buf_putc(latest, ',');
		}
		put_str(rec, pts->v[i].key);
		mlv_buf_puts(rec, ":{\"history\":[");
		for (size_t k = i; k < j; k++) {
			mlv_buf_printf(rec, "%s[%lld,", k > i ? "," : "", (long long)pts->v[k].step);
			mlv_buf_put_json_number(rec, pts->v[k].v);
			mlv_buf_printf(rec, ",%lld]", (long long)pts->v[k].ms);
		}
		mlv_buf_puts(rec, "],\"latest\":");
		mlv_buf_put_json_number(rec, last->v);
		mlv_buf_printf(rec, ",\"step\":%lld}", (long long)last->step);
		put_str(latest, pts->v[i].key);
		mlv_buf_putc(latest, ':');
		mlv_buf_put_json_number(latest, last->v);
	}
	/* appends above are unchecked; failure is sticky (buf.h), so look once here */
	if (mlv_buf_putc(rec, '}') || mlv_buf_putc(latest, '}'))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	return 0;
}

/* ---- storing ---- */

struct index_put {
	const char *id;
	const mlv_oid *record;
	const mlv_buf *summary;
	struct mlv_index *ix;
};

static int index_put(void *payload, MDB_txn *txn)
{
	struct index_put *p = payload;
	unsigned char *val = mlv__malloc(MLV_OID_RAWSZ + p->summary->size);
	char ref[8 + MLV_RUN_IDSZ];
	MDB_val k = { MLV_RUN_IDSZ, (void *)p->id }, v = { MLV_OID_RAWSZ + p->summary->size, val };
	MDB_val rk, rv = { MLV_OID_RAWSZ, (void *)p->record->id };
	int rc;
	if (!val)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	memcpy(val, p->record->id, MLV_OID_RAWSZ);
	memcpy(val + MLV_OID_RAWSZ, p->summary->ptr, p->summary->size);
	/* the sort keys first: replacing a run drops the keys of the summary still there */
	if ((rc = mlv__runsort_put(txn, p->ix, p->id, p->summary->ptr, p->summary->size))) {
		free(val);
		return rc;
	}
	rc = mdb_put(txn, p->ix->runs, &k, &v, 0);
	free(val);
	if (!rc) {
		/* the ref makes the record (and all it names) a gc root */
		int n = snprintf(ref, sizeof(ref), "run/%s", p->id);
		rk.mv_size = (size_t)n;
		rk.mv_data = ref;
		rc = mdb_put(txn, p->ix->refs, &rk, &rv, 0);
	}
	if (rc)
		return rc == MDB_MAP_FULL ? rc : mlv__index_error(rc, "write");
	return 0;
}

static int store_stream(mlv_writer *w, mlv_buf *rec, const char *name, int fd, const char *what)
{
	mlv_oid oid;
	char hex[MLV_OID_HEXSZ + 1];
	struct stat sb;
	int rc;
	if (fstat(fd, &sb) || lseek(fd, 0, SEEK_SET) < 0)
		return mlv_error_set_errno(MLV_EIO, errno, "cannot read the captured %s", what);
	if ((rc = mlv_writer_add_fd(w, &oid, fd, MLV_OBJ_BLOB, what)))
		return rc;
	return mlv_buf_printf(rec, ",\"%s\":{\"oid\":\"sha256:%s\",\"size\":%llu}", name, mlv_oid_fmt(hex, &oid),
		(unsigned long long)sb.st_size);
}

static int store_out(mlv_run *r, mlv_writer *w, mlv_buf *rec, const char *arg, int first)
{
	char *abs = NULL, hex[MLV_OID_HEXSZ + 1];
	struct stat sb;
	mlv_oid oid;
	uint64_t files = 0, size = 0;
	const char *kind;
	int rc = 0;
	if ((rc = path_join(&abs, r->opts->cwd, arg)))
		return rc;
	if (!first)
		mlv_buf_putc(rec, ',');
	mlv_buf_puts(rec, "{\"path\":");
	put_str(rec, arg);
	if (lstat(abs, &sb)) {
		warn(r, "--out '%s' does not exist; not stored", arg);
		mlv_buf_puts(rec, ",\"missing\":true}");
		goto done;
	}
	if (S_ISDIR(sb.st_mode)) {
		kind = "dir";
		rc = mlv_writer_add_dir(w, &oid, abs, &files, &size);
	} else if (S_ISREG(sb.st_mode)) {
		int fd = open(abs, O_RDONLY | O_CLOEXEC);
		kind = "file";
		size = (uint64_t)sb.st_size;
		if (fd < 0)
			rc = mlv_error_set_errno(MLV_EIO, errno, "cannot read '%s'", arg);
		else {
			rc = mlv_writer_add_fd(w, &oid, fd, MLV_OBJ_BLOB, arg);
			close(fd);
		}
	} else {
		rc = mlv_error_set(MLV_EINVALID, "not a file or directory");
		kind = "other";
	}
	if (rc) {
		warn(r, "--out '%s' could not be stored: %s", arg, mlv_error_last());
		mlv_buf_puts(rec, ",\"missing\":true}");
		rc = 0;
		goto done;
	}
	mlv_buf_printf(rec, ",\"kind\":\"%s\",\"oid\":\"sha256:%s\",\"size\":%llu", kind, mlv_oid_fmt(hex, &oid),
		(unsigned long long)size);
	if (!strcmp(kind, "dir"))
		mlv_buf_printf(rec, ",\"files\":%llu", (unsigned long long)files);
	mlv_buf_putc(rec, '}');
done:
	free(abs);
	return rc;
}

static void probes_json(mlv_run *r, mlv_buf *b)
{
	probe_finish(&r->py, r->probe_deadline);
	probe_finish(&r->gpu, r->probe_deadline);
	if (r->py_fresh)
		py_cache_store(r);
	if (r->gpu.ok && r->gpu.out.size) {
		const char *p = r->gpu.out.ptr, *end = p + r->gpu.out.size;
		int first = 1;
		mlv_buf_puts(b, ",\"gpu\":[");
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
			if (len) {
				if (!first)
					mlv_buf_putc(b, ',');
				mlv_buf_put_json_string(b, p, len);
				first = 0;
			}
			p += len + 1;
		}
		mlv_buf_putc(b, ']');
	}
	if (r->py.ok && r->py.out.size) {
		const char *p = r->py.out.ptr, *end = p + r->py.out.size;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int first = 1;
		mlv_buf_puts(b, ",\"python\":{\"best_effort\":true,\"version\":");
		mlv_buf_put_json_string(b, p, len);
		mlv_buf_puts(b, ",\"packages\":[");
		for (p += len + 1; p < end; p += len + 1) {
			nl = memchr(p, '\n', (size_t)(end - p));
			len = nl ? (size_t)(nl - p) : (size_t)(end - p);
			if (!len)
				continue;
			if (!first)
				mlv_buf_putc(b, ',');
			mlv_buf_put_json_string(b, p, len);
			first = 0;
		}
		mlv_buf_puts(b, "]}");
	}
}

/* {"k":"v",...}: a list of string pairs as a JSON object. */
static void kvlist_json(const struct kvlist *l, mlv_buf *b)
{
	mlv_buf_putc(b, '{');
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			mlv_buf_putc(b, ',');
		put_str(b, l->k[i]);
		mlv_buf_putc(b, ':');
		put_str(b, l->v[i]);
	}
	mlv_buf_putc(b, '}');
}

/* ,"params":{...} (always) and ,"tags":{...} when the run has tags (records and summaries without tags stay as they were). */
static void params_tags_json(const mlv_run *r, mlv_buf *b)
{
	mlv_buf_puts(b, ",\"params\":");
	kvlist_json(&r->params, b);
	if (r->tags.n) {
		mlv_buf_puts(b, ",\"tags\":");
		kvlist_json(&r->tags, b);
	}
}

int mlv_run_finish(mlv_run *r, const mlv_run_exit *ex, mlv_oid *record)
{
	const mlv_run_opts *o = r->opts;
	struct points pts = { NULL, 0, 0 };
	struct log_state ls = { r, &pts, 0 };
	mlv_buf logtext = MLV_BUF_INIT, rec = MLV_BUF_INIT, latest = MLV_BUF_INIT, metrics = MLV_BUF_INIT;
	mlv_buf canon = MLV_BUF_INIT, summary = MLV_BUF_INIT, sumcanon = MLV_BUF_INIT;
	mlv_writer *w = NULL;
	char t0[32], t1[32], hex[MLV_OID_HEXSZ + 1];
	int rc;

	r->end_ms = now_ms();
	r->duration_ms = mono_ms() - r->start_mono;
	mlv__iso_time(t0, r->start_ms);
	mlv__iso_time(t1, r->end_ms);

	/* what log-metric and log-param appended */
	if (read_file(&logtext, r->logpath, LOG_MAX, "the run log"))
		warn(r, "%s; metrics logged during the run are lost", mlv_error_last());
	else if ((rc = log_each(&logtext, collect_log, &ls)))
		goto done;
	if (ls.damaged)
		warn(r, "%d damaged line(s) in the log of run %s skipped", ls.damaged, r->id);
	for (int i = 0; i < o->nmetrics_files; i++)
		if ((rc = read_metrics_file(r, &pts, o->metrics_files[i])))
			goto done;
	if ((rc = metrics_json(&pts, &metrics, &latest)))
		goto done;

	if ((rc = mlv_writer_new(&w, r->st)))
		goto done;
	mlv_buf_printf(&rec, "{\"schema\":\"mlv.run/1\",\"id\":\"%s\"", r->id);
	if (o->name) {
		mlv_buf_puts(&rec, ",\"name\":");
		put_str(&rec, o->name);
	}
	mlv_buf_puts(&rec, ",\"command\":[");
	for (int i = 0; i < o->argc; i++) {
		if (i)
			mlv_buf_putc(&rec, ',');
		put_str(&rec, o->argv[i]);
	}
	mlv_buf_printf(&rec, "],\"start\":\"%s\",\"start_ms\":%lld,\"end\":\"%s\",\"end_ms\":%lld,\"duration_ms\":%lld",
		t0, (long long)r->start_ms, t1, (long long)r->end_ms, (long long)r->duration_ms);
	mlv_buf_printf(&rec, ",\"status\":%d", ex->status);
	if (ex->signal)
		mlv_buf_printf(&rec, ",\"signal\":%d", ex->signal);
	if (ex->interrupted)
		mlv_buf_puts(&rec, ",\"interrupted\":true");
	if (ex->error) {
		mlv_buf_puts(&rec, ",\"error\":");
		put_str(&rec, ex->error);
	}
	params_tags_json(r, &rec);
	mlv_buf_puts(&rec, ",\"metrics\":");
	mlv_buf_put(&rec, metrics.ptr, metrics.size);
	if (r->has_git) {
		mlv_buf_printf(&rec, ",\"git\":{\"commit\":\"%s\",\"dirty\":%s", r->commit, r->dirty ? "true" : "false");
		if (r->diff.size) {
			mlv_oid d;
			if ((rc = mlv_writer_add_buf(w, &d, r->diff.ptr, r->diff.size, MLV_OBJ_BLOB)))
				goto done;
			mlv_buf_printf(&rec, ",\"diff\":\"sha256:%s\"", mlv_oid_fmt(hex, &d));
		}
		mlv_buf_putc(&rec, '}');
	}
	mlv_buf_puts(&rec, ",\"deps\":[");
	mlv_buf_put(&rec, r->deps.ptr, r->deps.size);
	mlv_buf_puts(&rec, "],\"outs\":[");
	for (int i = 0; i < o->nouts; i++)
		if ((rc = store_out(r, w, &rec, o->outs[i], i == 0)))
			goto done;
	mlv_buf_putc(&rec, ']');
	if ((rc = store_stream(w, &rec, "stdout", r->outfd, "stdout")) ||
	    (rc = store_stream(w, &rec, "stderr", r->errfd, "stderr")))
		goto done;
	mlv_buf_puts(&rec, ",\"env\":{");
	mlv_buf_put(&rec, r->env.ptr, r->env.size);
	probes_json(r, &rec);
	mlv_buf_putc(&rec, '}');
	if (r->nwarn) {
		mlv_buf_puts(&rec, ",\"warnings\":[");
		for (int i = 0; i < r->nwarn; i++) {
			if (i)
				mlv_buf_putc(&rec, ',');
			put_str(&rec, r->warnings[i]);
		}
		mlv_buf_putc(&rec, ']');
	}
	/* Parts built earlier with unchecked appends: a failed one is sticky (buf.h). */
	if ((rc = mlv_buf_putc(&rec, '}')) || r->deps.failed || r->env.failed || r->diff.failed)
		goto nomem;
	if ((rc = mlv_json_canonical(&canon, rec.ptr, rec.size))) {
		if (rc != MLV_ENOMEM)
			rc = mlv_error_set(MLV_ERROR, "internal error: the run record is not JSON (%s)", mlv_error_last());
		goto done;
	}

	/* the summary the runs index keeps for listing without reading records */
	mlv_buf_printf(&summary, "{\"start\":\"%s\",\"start_ms\":%lld,\"duration_ms\":%lld,\"status\":%d", t0,
		(long long)r->start_ms, (long long)r->duration_ms, ex->status);
	if (o->name) {
		mlv_buf_puts(&summary, ",\"name\":");
		put_str(&summary, o->name);
	}
	if (r->has_git)
		mlv_buf_printf(&summary, ",\"commit\":\"%s\",\"dirty\":%s", r->commit, r->dirty ? "true" : "false");
	mlv_buf_puts(&summary, ",\"metrics\":");
	mlv_buf_put(&summary, latest.ptr, latest.size);
	params_tags_json(r, &summary);
	if ((rc = mlv_buf_putc(&summary, '}')) || summary.failed || latest.failed)
		goto nomem;
	if ((rc = mlv_json_canonical(&sumcanon, summary.ptr, summary.size)))
		goto done;

	if ((rc = mlv_writer_add_buf(w, record, canon.ptr, canon.size, MLV_OBJ_JSON)))
		goto done;
	{
		/* the objects, then in the same index transaction the runs entry (one sync) */
		struct index_put ip = { r->id, record, &sumcanon, &r->st->ix };
		if ((rc = mlv__writer_commit_with(w, index_put, &ip)))
			goto done;
	}
	r->finished = 1;
	unlink(r->logpath);
	unlink(r->outpath);
	unlink(r->errpath);
	rc = 0;
	goto done;
nomem:
	rc = mlv_error_set(MLV_ENOMEM, "out of memory");
done:
	mlv_writer_free(w);
	points_release(&pts);
	mlv_buf_release(&logtext);
	mlv_buf_release(&rec);
	mlv_buf_release(&latest);
	mlv_buf_release(&metrics);
	mlv_buf_release(&canon);
	mlv_buf_release(&summary);
	mlv_buf_release(&sumcanon);
	return rc;
}

/* ---- recorded runs ---- */

/* mlv_run_list: mlv_run_scan's summaries as NUL-terminated copies (LMDB values are not terminated). */
struct list_copy {
	mlv_run_list_fn fn;
	void *payload;
};

static int list_copy(void *payload, const char *id, const mlv_oid *record, const char *summary, size_t len)
{
	struct list_copy *c = payload;
	char *sum = mlv__strndup(summary, len);
	int rc;
	if (!sum)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	rc = c->fn(c->payload, id, record, sum, len);
	free(sum);
	return rc;
}

int mlv_run_list(mlv_store *st, mlv_run_list_fn fn, void *payload)
{
	struct list_copy c = { fn, payload };
	return mlv_run_scan(st, list_copy, &c);
}

/* The newest run named NAME ([0]) and, when the spec reads "key=value", the newest tagged so ([1]). */
struct name_search {
	const char *name;
	char *tagkey;            /* NULL when the spec is not key=value */
	const char *tagval;
	char best[2][MLV_RUN_IDSZ + 1];
	int64_t best_ms[2];
	int found[2];
};

static void name_pick(struct name_search *s, int which, const char *id, int64_t t)
{
	if (!s->found[which] || t > s->best_ms[which] || (t == s->best_ms[which] && strcmp(id, s->best[which]) > 0)) {
		memcpy(s->best[which], id, sizeof(s->best[which]));
		s->best_ms[which] = t;
		s->found[which] = 1;
	}
}

/* 1 when the JSON string value V[0..VLEN) decodes to exactly WANT. */
static int json_string_is(const char *v, size_t vlen, const char *want)
{
	mlv_buf tmp = MLV_BUF_INIT;
	int eq = !mlv_json_string(v, vlen, &tmp) && tmp.size == strlen(want) && !memcmp(tmp.ptr, want, tmp.size);
	mlv_buf_release(&tmp);
	return eq;
}

/* Reads only "name", "tags" and "start_ms" of each summary (no JSON tree): 100,000 runs in tens of ms. */
static int name_match(void *payload, const char *id, const mlv_oid *record, const char *summary, size_t len)
{
	struct name_search *s = payload;
	const char *v, *tv;
	size_t vlen, tvlen;
	(void)record;
	if (mlv_json_find(summary, len, "name", 4, &v, &vlen) && json_string_is(v, vlen, s->name))
		name_pick(s, 0, id, mlv__summary_start_ms(summary, len));
	if (s->tagkey && mlv_json_find(summary, len, "tags", 4, &v, &vlen) &&
	    mlv_json_find(v, vlen, s->tagkey, strlen(s->tagkey), &tv, &tvlen) && json_string_is(tv, tvlen, s->tagval))
		name_pick(s, 1, id, mlv__summary_start_ms(summary, len));
	return 0;
}

int mlv_run_resolve(mlv_store *st, char out[MLV_RUN_IDSZ + 1], const char *spec)
{
	size_t n = strlen(spec);
	int ishex = n >= MLV_RUN_MINPREFIX && n <= MLV_RUN_IDSZ, rc = 0;
	char prefix[MLV_RUN_IDSZ + 1];
	for (size_t i = 0; ishex && i < n; i++) {
		if (!isxdigit((unsigned char)spec[i]))
			ishex = 0;
		else
			prefix[i] = (char)tolower((unsigned char)spec[i]);
	}
	if (ishex) {
		MDB_txn *txn = NULL;
		MDB_cursor *cur = NULL;
		MDB_val k = { n, prefix }, v;
		mlv_buf cands = MLV_BUF_INIT;
		int count = 0, r;
		prefix[n] = '\0';
		if ((rc = mlv__index_read_begin(&st->ix, &txn)))
			return rc;
		if ((r = mdb_cursor_open(txn, st->ix.runs, &cur))) {
			mdb_txn_abort(txn);
			return mlv__index_error(r, "read");
		}
		for (r = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); r == 0; r = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			if (k.mv_size < n || memcmp(k.mv_data, prefix, n))
				break;
			if (count == 0)
				memcpy(out, k.mv_data, MLV_RUN_IDSZ);
			if (count < 10)
				mlv_buf_printf(&cands, "%s%.*s", count ? ", " : "", (int)k.mv_size, (const char *)k.mv_data);
			count++;
		}
		mdb_cursor_close(cur);
		mdb_txn_abort(txn);
		out[MLV_RUN_IDSZ] = '\0';
		if (count > 1)
			rc = mlv_error_set(MLV_EAMBIGUOUS, "run prefix '%s' is ambiguous: %d runs match (%s%s)", spec, count,
				mlv_buf_cstr(&cands), count > 10 ? ", ..." : "");
		mlv_buf_release(&cands);
		if (count)
			return rc;
	}
	{
		struct name_search s;
		const char *eq = strchr(spec, '=');
		memset(&s, 0, sizeof(s));
		s.name = spec;
		if (eq && mlv_run_key_valid(spec, (size_t)(eq - spec))) {
			if (!(s.tagkey = mlv__strndup(spec, (size_t)(eq - spec))))
				return mlv_error_set(MLV_ENOMEM, "out of memory");
			s.tagval = eq + 1;
		}
		{
			/* the sort index answers at once; a store without it is scanned */
			int which;
			rc = mlv__runsort_name(st, spec, s.tagkey, s.tagval, out, &which);
			if (rc == 0) {
				free(s.tagkey);
				if (which >= 0)
					return 0;
				goto notfound;
			}
		}
		rc = rc == MLV_ENOTFOUND ? mlv_run_scan(st, name_match, &s) : rc;
		free(s.tagkey);
		if (rc)
			return rc;
		for (int w = 0; w < 2; w++)
			if (s.found[w]) {
				memcpy(out, s.best[w], MLV_RUN_IDSZ + 1);
				return 0;
			}
	}
notfound:
	if (strchr(spec, '='))
		return mlv_error_set(MLV_ENOTFOUND, "no run '%s' (neither a run id, a run name nor a tag)", spec);
	return mlv_error_set(MLV_ENOTFOUND, "no run '%s' (neither a run id nor a run name)", spec);
}

int mlv_run_read(mlv_store *st, const char *id, mlv_oid *record, mlv_buf *json)
{
	MDB_txn *txn = NULL;
	MDB_val k = { strlen(id), (void *)id }, v;
	int rc, r;
	if ((rc = mlv__index_read_begin(&st->ix, &txn)))
		return rc;
	r = mdb_get(txn, st->ix.runs, &k, &v);
	if (r == 0 && v.mv_size >= MLV_OID_RAWSZ)
		memcpy(record->id, v.mv_data, MLV_OID_RAWSZ);
	mdb_txn_abort(txn);
	if (r == MDB_NOTFOUND)
		return mlv_error_set(MLV_ENOTFOUND, "no run %s", id);
	if (r)
		return mlv__index_error(r, "read");
	return json ? mlv_object_read_buf(st, record, json, RECORD_MAX) : 0;
}

/* ---- importing recorded runs ---- */

/* The runs-index summary of a record, as mlv_run_finish writes it (canonical JSON). */
static int summary_of_record(const cJSON *rec, mlv_buf *out)
{
	static const char *const plain[] = { "start", "start_ms", "duration_ms", "status", "name" };
	const cJSON *git = cJSON_GetObjectItemCaseSensitive(rec, "git"), *e;
	cJSON *s = cJSON_CreateObject(), *m = NULL;
	int rc = MLV_ENOMEM;
	if (!s)
		goto done;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		e = cJSON_GetObjectItemCaseSensitive(rec, plain[i]);
		if (e && !cJSON_AddItemToObject(s, plain[i], cJSON_Duplicate(e, 1)))
			goto done;
	}
	if (cJSON_IsObject(git)) {
		e = cJSON_GetObjectItemCaseSensitive(git, "commit");
		if (e && !cJSON_AddItemToObject(s, "commit", cJSON_Duplicate(e, 1)))
			goto done;
		e = cJSON_GetObjectItemCaseSensitive(git, "dirty");
		if (e && !cJSON_AddItemToObject(s, "dirty", cJSON_Duplicate(e, 1)))
			goto done;
	}
	if (!(m = cJSON_AddObjectToObject(s, "metrics")))
		goto done;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(rec, "metrics")) {
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(e, "latest");
		if (l && !cJSON_AddItemToObject(m, e->string, cJSON_Duplicate(l, 1)))
			goto done;
	}
	e = cJSON_GetObjectItemCaseSensitive(rec, "params");
	if (!cJSON_AddItemToObject(s, "params", e ? cJSON_Duplicate(e, 1) : cJSON_CreateObject()))
		goto done;
	/* tags only when the run has some, as mlv_run_finish writes them */
	e = cJSON_GetObjectItemCaseSensitive(rec, "tags");
	if (cJSON_IsObject(e) && e->child && !cJSON_AddItemToObject(s, "tags", cJSON_Duplicate(e, 1)))
		goto done;
	rc = canon_emit(out, s) ? MLV_ENOMEM : 0;
done:
	cJSON_Delete(s);
	return rc ? mlv_error_set(MLV_ENOMEM, "out of memory") : 0;
}

struct import_put {
	size_t n;
	char (*ids)[MLV_RUN_IDSZ + 1];
	mlv_oid *records;
	mlv_buf *summaries;
	struct mlv_index *ix;
};

static int import_put(void *payload, MDB_txn *txn)
{
	struct import_put *p = payload;
	int rc = 0;
	for (size_t i = 0; i < p->n && !rc; i++) {
		struct index_put ip = { p->ids[i], &p->records[i], &p->summaries[i], p->ix };
		rc = index_put(&ip, txn);
	}
	return rc;
}

int mlv_run_import(mlv_store *st, const char *const *records, const size_t *lens, size_t n)
{
	struct import_put p = { n, NULL, NULL, NULL, &st->ix };
	mlv_writer *w = NULL;
	mlv_buf canon = MLV_BUF_INIT;
	int rc = 0;
	if (!n)
		return 0;
	p.ids = mlv__calloc(n, sizeof(*p.ids));
	p.records = mlv__calloc(n, sizeof(*p.records));
	p.summaries = mlv__calloc(n, sizeof(*p.summaries));
	if (!p.ids || !p.records || !p.summaries) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = mlv_writer_new(&w, st)))
		goto done;
	for (size_t i = 0; i < n && !rc; i++) {
		size_t pos = 0;
		int nomem = 0;
		cJSON *j = json_parse(records[i], lens[i], &pos, &nomem);
		const cJSON *schema = cJSON_GetObjectItemCaseSensitive(j, "schema");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
		if (!j && nomem)
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		else if (!j)
			rc = mlv_error_set(MLV_EINVALID, "run record %zu is not valid JSON (at byte %zu)", i + 1, pos);
		else if (!cJSON_IsString(schema) || strcmp(schema->valuestring, "mlv.run/1"))
			rc = mlv_error_set(MLV_EINVALID, "run record %zu is not an mlv.run/1 record", i + 1);
		else if (!cJSON_IsString(id) || strlen(id->valuestring) != MLV_RUN_IDSZ ||
			 strspn(id->valuestring, "0123456789abcdef") != MLV_RUN_IDSZ)
			rc = mlv_error_set(MLV_EINVALID, "run record %zu has no valid id (32 lower-case hex digits)", i + 1);
		else {
			memcpy(p.ids[i], id->valuestring, MLV_RUN_IDSZ + 1);
			mlv_buf_clear(&canon);
			if (canon_emit(&canon, j) || summary_of_record(j, &p.summaries[i]))
				rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			else
				rc = mlv_writer_add_buf(w, &p.records[i], canon.ptr, canon.size, MLV_OBJ_JSON);
		}
		cJSON_Delete(j);
	}
	/* the records are durable before the index names them */
	if (!rc)
		rc = mlv__writer_commit_with(w, import_put, &p);
done:
	mlv_writer_free(w);
	for (size_t i = 0; p.summaries && i < n; i++)
		mlv_buf_release(&p.summaries[i]);
	free(p.ids);
	free(p.records);
	free(p.summaries);
	mlv_buf_release(&canon);
	return rc;
}

/* ---- scanning the runs index ---- */

/*
 * The shared, read-only mapping (from /proc/self/maps) that holds address P:
 * [*lo, *hi), or 0 when P is not in one (then nothing may be unmapped).
 */
static int mapping_of(uintptr_t p, uintptr_t *lo, uintptr_t *hi)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");
	int found = 0;
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &a, &b, perms) == 3 && p >= a && p < b) {
			if (strcmp(perms, "r--s"))
				break;
			*lo = a;
			*hi = b;
			found = 1;
		}
	}
	fclose(f);
	return found;
}

int mlv_run_scan(mlv_store *st, mlv_run_list_fn fn, void *payload)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	uintptr_t lo = 0, hi = 0;
	size_t seen = 0;
	int rc, r;
	if ((rc = mlv__index_read_begin(&st->ix, &txn)))
		return rc;
	if ((r = mdb_cursor_open(txn, st->ix.runs, &cur))) {
		rc = mlv__index_error(r, "read");
		goto done;
	}
	for (r = mdb_cursor_get(cur, &k, &v, MDB_FIRST); r == 0 && !rc; r = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		char id[MLV_RUN_IDSZ + 1];
		mlv_oid oid;
		if (k.mv_size != MLV_RUN_IDSZ || v.mv_size < MLV_OID_RAWSZ)
			continue;
		/*
		 * The index's map is read-only and shared: its pages stay in the
		 * page cache whether mapped here or not. So that memory does not
		 * grow with the number of runs, every 512 runs the pages read so
		 * far are unmapped (MADV_DONTNEED; a page the cursor still needs is
		 * mapped again on access). The whole map: a B-tree filled in random
		 * id order has its leaves anywhere in the file.
		 */
		if (seen == 0)
			mapping_of((uintptr_t)v.mv_data, &lo, &hi);
		if (++seen % 512 == 0 && hi > lo)
			madvise((void *)lo, hi - lo, MADV_DONTNEED);
		memcpy(id, k.mv_data, MLV_RUN_IDSZ);
		id[MLV_RUN_IDSZ] = '\0';
		memcpy(oid.id, v.mv_data, MLV_OID_RAWSZ);
		rc = fn(payload, id, &oid, (const char *)v.mv_data + MLV_OID_RAWSZ, v.mv_size - MLV_OID_RAWSZ);
	}
	if (r && r != MDB_NOTFOUND && !rc)
		rc = mlv__index_error(r, "read");
done:
	if (cur)
		mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rc;
}
