/* Error codes and the per-thread last error of libmlv. */
#ifndef MLV_ERROR_H
#define MLV_ERROR_H

/*
 * Every library function that can fail returns 0 on success or one of these
 * negative codes; the human-readable message is in mlv_error_last().
 */
enum {
	MLV_OK = 0,
	MLV_ERROR = -1,      /* generic failure (I/O, dependency error) */
	MLV_ENOTFOUND = -2,  /* object, file, ref or store not found */
	MLV_EEXISTS = -3,    /* the thing to create already exists */
	MLV_EAMBIGUOUS = -4, /* an id prefix matches several objects */
	MLV_ELOCKED = -5,    /* a lock was not released before the wait timeout */
	MLV_ECORRUPT = -6,   /* stored data fails verification */
	MLV_EINVALID = -7,   /* bad input: malformed id, spec, path, tree... */
	MLV_ENOMEM = -8,     /* allocation failed */
	MLV_EIO = -9,        /* operating-system I/O error (errno kept in the message) */
	MLV_ECONFLICT = -10  /* a compare-and-swap lost: what it read changed meanwhile */
};

/*
 * The message of the last error set on this thread, in words a user
 * understands ("cannot read 'x': permission denied"). Never NULL: "" when no
 * error was set. Valid until the next libmlv call on this thread.
 */
const char *mlv_error_last(void);

/* The code of the last error set on this thread (0 when none). */
int mlv_error_code(void);

/* Forget the last error. */
void mlv_error_clear(void);

/*
 * Set the last error to CODE and the printf-style message; returns CODE so
 * that a failing path can `return mlv_error_set(MLV_EINVALID, "...")`.
 */
int mlv_error_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* As mlv_error_set, appending ": strerror(errnum)". */
int mlv_error_set_errno(int code, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
