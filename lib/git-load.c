/* Loading libgit2 at run time (see git-load.h for why). */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include "mlv/error.h"

#include <git2.h>
/* the table's type, without the call-through macros */
struct mlv__git_fns {
	__typeof__(git_blob_free) *git_blob_free;
	__typeof__(git_blob_lookup) *git_blob_lookup;
	__typeof__(git_blob_rawcontent) *git_blob_rawcontent;
	__typeof__(git_blob_rawsize) *git_blob_rawsize;
	__typeof__(git_buf_dispose) *git_buf_dispose;
	__typeof__(git_commit_author) *git_commit_author;
	__typeof__(git_commit_free) *git_commit_free;
	__typeof__(git_commit_lookup) *git_commit_lookup;
	__typeof__(git_commit_parent) *git_commit_parent;
	__typeof__(git_commit_parentcount) *git_commit_parentcount;
	__typeof__(git_commit_summary) *git_commit_summary;
	__typeof__(git_commit_tree) *git_commit_tree;
	__typeof__(git_commit_tree_id) *git_commit_tree_id;
	__typeof__(git_config_free) *git_config_free;
	__typeof__(git_config_get_path) *git_config_get_path;
	__typeof__(git_config_get_string_buf) *git_config_get_string_buf;
	__typeof__(git_diff_free) *git_diff_free;
	__typeof__(git_diff_options_init) *git_diff_options_init;
	__typeof__(git_diff_to_buf) *git_diff_to_buf;
	__typeof__(git_diff_tree_to_workdir_with_index) *git_diff_tree_to_workdir_with_index;
	__typeof__(git_error_clear) *git_error_clear;
	__typeof__(git_error_last) *git_error_last;
	__typeof__(git_index_entrycount) *git_index_entrycount;
	__typeof__(git_index_free) *git_index_free;
	__typeof__(git_index_get_byindex) *git_index_get_byindex;
	__typeof__(git_libgit2_init) *git_libgit2_init;
	__typeof__(git_object_free) *git_object_free;
	__typeof__(git_object_id) *git_object_id;
	__typeof__(git_object_lookup) *git_object_lookup;
	__typeof__(git_object_peel) *git_object_peel;
	__typeof__(git_object_type) *git_object_type;
	__typeof__(git_odb_exists) *git_odb_exists;
	__typeof__(git_odb_free) *git_odb_free;
	__typeof__(git_oid_cpy) *git_oid_cpy;
	__typeof__(git_oid_equal) *git_oid_equal;
	__typeof__(git_oid_is_zero) *git_oid_is_zero;
	__typeof__(git_oid_tostr) *git_oid_tostr;
	__typeof__(git_oid_tostr_s) *git_oid_tostr_s;
	__typeof__(git_reference_free) *git_reference_free;
	__typeof__(git_reference_iterator_free) *git_reference_iterator_free;
	__typeof__(git_reference_iterator_new) *git_reference_iterator_new;
	__typeof__(git_reference_name) *git_reference_name;
	__typeof__(git_reference_name_to_id) *git_reference_name_to_id;
	__typeof__(git_reference_next) *git_reference_next;
	__typeof__(git_reference_resolve) *git_reference_resolve;
	__typeof__(git_reference_target) *git_reference_target;
	__typeof__(git_reflog_entry_byindex) *git_reflog_entry_byindex;
	__typeof__(git_reflog_entry_id_new) *git_reflog_entry_id_new;
	__typeof__(git_reflog_entry_id_old) *git_reflog_entry_id_old;
	__typeof__(git_reflog_entrycount) *git_reflog_entrycount;
	__typeof__(git_reflog_free) *git_reflog_free;
	__typeof__(git_reflog_read) *git_reflog_read;
	__typeof__(git_repository_config_snapshot) *git_repository_config_snapshot;
	__typeof__(git_repository_free) *git_repository_free;
	__typeof__(git_repository_head) *git_repository_head;
	__typeof__(git_repository_index) *git_repository_index;
	__typeof__(git_repository_item_path) *git_repository_item_path;
	__typeof__(git_repository_odb) *git_repository_odb;
	__typeof__(git_repository_open_ext) *git_repository_open_ext;
	__typeof__(git_repository_workdir) *git_repository_workdir;
	__typeof__(git_revparse_single) *git_revparse_single;
	__typeof__(git_revwalk_free) *git_revwalk_free;
	__typeof__(git_revwalk_new) *git_revwalk_new;
	__typeof__(git_revwalk_next) *git_revwalk_next;
	__typeof__(git_revwalk_push) *git_revwalk_push;
	__typeof__(git_revwalk_push_head) *git_revwalk_push_head;
	__typeof__(git_revwalk_simplify_first_parent) *git_revwalk_simplify_first_parent;
	__typeof__(git_status_list_entrycount) *git_status_list_entrycount;
	__typeof__(git_status_list_free) *git_status_list_free;
	__typeof__(git_status_list_new) *git_status_list_new;
	__typeof__(git_status_options_init) *git_status_options_init;
	__typeof__(git_tree_entry_byindex) *git_tree_entry_byindex;
	__typeof__(git_tree_entry_bypath) *git_tree_entry_bypath;
	__typeof__(git_tree_entry_filemode) *git_tree_entry_filemode;
	__typeof__(git_tree_entry_free) *git_tree_entry_free;
	__typeof__(git_tree_entry_id) *git_tree_entry_id;
	__typeof__(git_tree_entry_name) *git_tree_entry_name;
	__typeof__(git_tree_entry_type) *git_tree_entry_type;
	__typeof__(git_tree_entrycount) *git_tree_entrycount;
	__typeof__(git_tree_free) *git_tree_free;
	__typeof__(git_tree_lookup) *git_tree_lookup;
};

struct mlv__git_fns mlv__git;

#ifndef MLV_LIBGIT2_SONAME
#define MLV_LIBGIT2_SONAME "libgit2.so"
#endif

static const char *const names[] = {
	"git_blob_free",
	"git_blob_lookup",
	"git_blob_rawcontent",
	"git_blob_rawsize",
	"git_buf_dispose",
	"git_commit_author",
	"git_commit_free",
	"git_commit_lookup",
	"git_commit_parent",
	"git_commit_parentcount",
	"git_commit_summary",
	"git_commit_tree",
	"git_commit_tree_id",
	"git_config_free",
	"git_config_get_path",
	"git_config_get_string_buf",
	"git_diff_free",
	"git_diff_options_init",
	"git_diff_to_buf",
	"git_diff_tree_to_workdir_with_index",
	"git_error_clear",
	"git_error_last",
	"git_index_entrycount",
	"git_index_free",
	"git_index_get_byindex",
	"git_libgit2_init",
	"git_object_free",
	"git_object_id",
	"git_object_lookup",
	"git_object_peel",
	"git_object_type",
	"git_odb_exists",
	"git_odb_free",
	"git_oid_cpy",
	"git_oid_equal",
	"git_oid_is_zero",
	"git_oid_tostr",
	"git_oid_tostr_s",
	"git_reference_free",
	"git_reference_iterator_free",
	"git_reference_iterator_new",
	"git_reference_name",
	"git_reference_name_to_id",
	"git_reference_next",
	"git_reference_resolve",
	"git_reference_target",
	"git_reflog_entry_byindex",
	"git_reflog_entry_id_new",
	"git_reflog_entry_id_old",
	"git_reflog_entrycount",
	"git_reflog_free",
	"git_reflog_read",
	"git_repository_config_snapshot",
	"git_repository_free",
	"git_repository_head",
	"git_repository_index",
	"git_repository_item_path",
	"git_repository_odb",
	"git_repository_open_ext",
	"git_repository_workdir",
	"git_revparse_single",
	"git_revwalk_free",
	"git_revwalk_new",
	"git_revwalk_next",
	"git_revwalk_push",
	"git_revwalk_push_head",
	"git_revwalk_simplify_first_parent",
	"git_status_list_entrycount",
	"git_status_list_free",
	"git_status_list_new",
	"git_status_options_init",
	"git_tree_entry_byindex",
	"git_tree_entry_bypath",
	"git_tree_entry_filemode",
	"git_tree_entry_free",
	"git_tree_entry_id",
	"git_tree_entry_name",
	"git_tree_entry_type",
	"git_tree_entrycount",
	"git_tree_free",
	"git_tree_lookup",
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[512];
static int loaded;

static void load(void)
{
	static const char *const sonames[] = { MLV_LIBGIT2_SONAME, "libgit2.so", NULL };
	void *h = NULL;
	const char *used = NULL;
	for (int i = 0; sonames[i] && !h; i++)
		if ((h = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL)))
			used = sonames[i];
	if (!h) {
		const char *e = dlerror();
		snprintf(failure, sizeof(failure), "cannot load libgit2 (%s): %s", MLV_LIBGIT2_SONAME, e ? e : "not found");
		return;
	}
	void **slot = (void **)&mlv__git;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(slot[i] = dlsym(h, names[i]))) {
			snprintf(failure, sizeof(failure), "cannot load libgit2 (%s): it has no %s", used, names[i]);
			return;
		}
	}
	loaded = 1;
}

int mlv__git_loaded(void) { return loaded; }

int mlv__git_load(void)
{
	pthread_once(&once, load);
	return failure[0] ? mlv_error_set(MLV_ERROR, "%s", failure) : 0;
}
