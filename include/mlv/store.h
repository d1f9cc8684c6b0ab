/*
 * The store: a .mlv directory holding pack files of zstd-compressed,
 * content-defined chunks and an LMDB index. Opening, creating and finding one.
 */
#ifndef MLV_STORE_H
#define MLV_STORE_H

#include <stdint.h>

typedef struct mlv_store mlv_store;

/* Name of the store directory inside a work tree. */
#define MLV_DIRNAME ".mlv"

/*
 * Create a store at MLVDIR (normally "<work tree>/.mlv"). When one is already
 * there it is left untouched and *existed is set to 1 (else 0). Returns 0 or
 * a negative MLV_E* code.
 */
int mlv_store_create(const char *mlvdir, int *existed);

/*
 * Create a store at MLVDIR whose objects, index and locks live in the store
 * SHARED (created when missing), so that several work trees on one machine or
 * shared file system use one store at once. MLVDIR holds only its format and
 * a config naming SHARED (made absolute). When MLVDIR already exists it is
 * left untouched and *existed is 1.
 */
int mlv_store_create_linked(const char *mlvdir, const char *shared, int *existed);

/*
 * Find the store for START (a directory): $MLV_DIR when set, else the first
 * ".mlv" walking up from START. *out is a malloc'd absolute path (free()).
 * Returns 0, or MLV_ENOTFOUND with the message "not in a mlv store (or any
 * parent directory)...".
 */
int mlv_store_discover(char **out, const char *start);

/*
 * Open the store at MLVDIR. Clears stale LMDB readers left by dead
 * processes. The handle is for one thread at a time. Free with
 * mlv_store_free.
 */
int mlv_store_open(mlv_store **out, const char *mlvdir);
void mlv_store_free(mlv_store *st);

/* The absolute path of the store directory; lives as long as ST. */
const char *mlv_store_path(const mlv_store *st);

/* Where the objects and index are: the shared store, or mlv_store_path(). */
const char *mlv_store_objects_path(const mlv_store *st);

/*
 * How long a command waits for another one's lock before failing with
 * MLV_ELOCKED. Default 30 s; $MLV_LOCK_TIMEOUT (seconds, may be fractional)
 * overrides.
 */
double mlv_store_lock_timeout(void);

#endif
