/*
 * `mlv run`: run a command and record the run (lib/run.c): its stdout and
 * stderr are tee'd to the terminal and captured, signals are passed on or
 * waited out, and the exit status is the command's.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "commands.h"
#include "runfmt.h"
#include "mlv/run.h"

static const char *opt_name;
static struct mlv_strlist opt_params, opt_tags, opt_deps, opt_outs, opt_metrics;

const struct mlv_option mlv_opts_run[] = {
	MLV_OPT_STRING('n', "name", &opt_name, "name", "name the run (a spec for mlv show)"),
	MLV_OPT_LIST('p', "param", &opt_params, "key=value", "record a parameter (repeatable)"),
	MLV_OPT_LIST('t', "tag", &opt_tags, "key=value", "label the run; key=value is a spec for mlv show (repeatable)"),
	MLV_OPT_LIST(0, "dep", &opt_deps, "path", "record the id of an input (repeatable)"),
	MLV_OPT_LIST(0, "out", &opt_outs, "path", "store an output when the command ends (repeatable)"),
	MLV_OPT_LIST(0, "metrics", &opt_metrics, "file", "read metrics from a file when the command ends (repeatable)"),
	MLV_OPT_END()
};

const char *const mlv_usage_run[] = {
	"mlv run [-n <name>] [-p <key>=<value>]... [-t <key>=<value>]... [--dep <path>]... [--out <path>]... [--metrics <file>]... -- <cmd> [<arg>...]",
	NULL
};

static volatile sig_atomic_t got_chld, got_int, fwd_sig;

static void on_signal(int sig)
{
	if (sig == SIGCHLD)
		got_chld = 1;
	else if (sig == SIGINT || sig == SIGQUIT)
		got_int = 1;
	else
		fwd_sig = sig;
}

/*
 * Run the handler for every signal of SET that is pending. ppoll() delivers a
 * pending signal only when it returns -1/EINTR; when a stream is readable it
 * returns at once and the signal stays pending, so a Ctrl-C that arrives while
 * the command writes output would otherwise wait until the handlers are reset
 * and then kill mlv before it records the run.
 */
static void take_pending(const sigset_t *set)
{
	static const struct timespec zero = { 0, 0 };
	int sig;
	while ((sig = sigtimedwait(set, NULL, &zero)) > 0)
		on_signal(sig);
}

/* Copy what is readable on FD to the terminal stream OUT and the capture file CAP. 0 at EOF. */
static int tee_once(int fd, int out, int cap)
{
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	/* a closed terminal must not stop the capture */
	if (write(out, buf, (size_t)n) < 0) {
	}
	if (mlv_io_write(cap, buf, (size_t)n, "the capture file")) {
	}
	return 1;
}

int cmd_run(int argc, const char **argv, struct mlv_ctx *ctx)
{
	mlv_run_opts o;
	mlv_run *run = NULL;
	mlv_run_exit ex = { 0, 0, 0, NULL };
	mlv_oid record;
	sigset_t block, orig;
	struct sigaction sa, old[5];
	static const int sigs[5] = { SIGCHLD, SIGINT, SIGQUIT, SIGTERM, SIGHUP };
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, execp[2] = { -1, -1 };
	int nargs, ret = MLV_EXIT_FATAL, child_status = 0, reaped = 0, exec_errno = 0;
	pid_t pid = -1;
	char errmsg[128];

	nargs = mlv_parse_options(argc, argv, mlv_opts_run, mlv_usage_run);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs == 0) {
		mlv_usage_print(stderr, mlv_usage_run, mlv_opts_run);
		return MLV_EXIT_USAGE;
	}
	memset(&o, 0, sizeof(o));
	o.name = opt_name;
	o.argv = argv;
	o.argc = nargs;
	o.params = opt_params.items;
	o.nparams = opt_params.n;
	o.tags = opt_tags.items;
	o.ntags = opt_tags.n;
	o.deps = opt_deps.items;
	o.ndeps = opt_deps.n;
	o.outs = opt_outs.items;
	o.nouts = opt_outs.n;
	o.metrics_files = opt_metrics.items;
	o.nmetrics_files = opt_metrics.n;
	o.cwd = ctx->cwd;
	o.no_python = getenv("MLV_RUN_NO_PYTHON") && *getenv("MLV_RUN_NO_PYTHON");
	if (mlv_run_begin(&run, ctx->store, &o))
		return mlv_die_lib();
	if (pipe2(outp, O_CLOEXEC) || pipe2(errp, O_CLOEXEC) || pipe2(execp, O_CLOEXEC)) {
		mlv_die("cannot create a pipe: %s", mlv_strerror(errno));
		goto done;
	}
	setenv("MLV_RUN_ID", mlv_run_id(run), 1);
	setenv("MLV_RUN_DIR", mlv_run_dir(run), 1);
	fflush(stdout);
	fflush(stderr);

	/* Signals wait (blocked) until ppoll below, so none is lost between checks. */
	sigemptyset(&block);
	for (int i = 0; i < 5; i++)
		sigaddset(&block, sigs[i]);
	sigprocmask(SIG_BLOCK, &block, &orig);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 5; i++)
		sigaction(sigs[i], &sa, &old[i]);
	signal(SIGPIPE, SIG_IGN);

	pid = fork();
	if (pid == 0) {
		int e;
		for (int i = 0; i < 5; i++)
			sigaction(sigs[i], &old[i], NULL);
		signal(SIGPIPE, SIG_DFL);
		sigprocmask(SIG_SETMASK, &orig, NULL);
		dup2(outp[1], 1);
		dup2(errp[1], 2);
		execvp(argv[0], (char *const *)argv);
		e = errno;
		if (write(execp[1], &e, sizeof(e)) < 0) {
		}
		_exit(e == ENOENT || e == ENOTDIR ? 127 : 126);
	}
	close(outp[1]);
	close(errp[1]);
	close(execp[1]);
	outp[1] = errp[1] = execp[1] = -1;
	if (pid < 0) {
		int e = errno;
		sigprocmask(SIG_SETMASK, &orig, NULL);
		mlv_die("cannot start '%s': %s", argv[0], mlv_strerror(e));
		goto done;
	}
	{
		ssize_t n;
		while ((n = read(execp[0], &exec_errno, sizeof(exec_errno))) < 0 && errno == EINTR)
			;
		if (n != (ssize_t)sizeof(exec_errno))
			exec_errno = 0;
	}

	/* Tee until both streams end and the command has exited. */
	{
		struct pollfd pf[2] = { { outp[0], POLLIN, 0 }, { errp[0], POLLIN, 0 } };
		int open_streams = 2;
		sigset_t during;
		sigemptyset(&during);
		while (open_streams || !reaped) {
			/* after the command exits, a background child may hold the pipes: stop after 100 ms of quiet */
			struct timespec quiet = { 0, 100000000 };
			int n = ppoll(pf, 2, reaped ? &quiet : NULL, &during);
			if (n == 0)
				break;
			take_pending(&block);
			if (n > 0)
				for (int i = 0; i < 2; i++)
					if (pf[i].fd >= 0 && pf[i].revents) {
						if (!tee_once(pf[i].fd, i ? 2 : 1, mlv_run_stream_fd(run, i ? 2 : 1))) {
							pf[i].fd = -1;
							open_streams--;
						}
					}
			if (fwd_sig) {
				int s = fwd_sig;
				fwd_sig = 0;
				ex.interrupted = 1;
				kill(pid, s);
			}
			if (got_int)
				ex.interrupted = 1;
			if (!reaped && (got_chld || open_streams == 0)) {
				got_chld = 0;
				pid_t w = waitpid(pid, &child_status, WNOHANG);
				if (w == pid)
					reaped = 1;
			}
		}
	}
	take_pending(&block);
	if (got_int || fwd_sig)
		ex.interrupted = 1;
	for (int i = 0; i < 5; i++)
		sigaction(sigs[i], &old[i], NULL);
	sigprocmask(SIG_SETMASK, &orig, NULL);

	if (WIFSIGNALED(child_status)) {
		ex.signal = WTERMSIG(child_status);
		ex.status = 128 + ex.signal;
	} else
		ex.status = WEXITSTATUS(child_status);
	if (exec_errno) {
		snprintf(errmsg, sizeof(errmsg), "%s",
			exec_errno == ENOENT || exec_errno == ENOTDIR ? "command not found" : mlv_strerror(exec_errno));
		ex.error = errmsg;
		mlv_die("cannot run '%s': %s", argv[0], errmsg);
	}
	if (mlv_run_finish(run, &ex, &record)) {
		mlv_die("the run was not recorded: %s", mlv_error_last());
		ret = MLV_EXIT_FATAL;
		goto done;
	}
	for (int i = 0; mlv_run_warning(run, i); i++)
		mlv_warn("%s", mlv_run_warning(run, i));
	{
		char dur[32];
		runfmt_duration(dur, mlv_run_duration_ms(run));
		if (opt_name)
			fprintf(stderr, "run %.8s (%s): exit %d, %s%s\n", mlv_run_id(run), opt_name, ex.status, dur,
				ex.interrupted ? ", interrupted" : "");
		else
			fprintf(stderr, "run %.8s: exit %d, %s%s\n", mlv_run_id(run), ex.status, dur,
				ex.interrupted ? ", interrupted" : "");
	}
	ret = ex.status;
done:
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
		if (execp[i] >= 0)
			close(execp[i]);
	}
	mlv_run_free(run);
	mlv_strlist_release(&opt_params);
	mlv_strlist_release(&opt_tags);
	mlv_strlist_release(&opt_deps);
	mlv_strlist_release(&opt_outs);
	mlv_strlist_release(&opt_metrics);
	return ret;
}
