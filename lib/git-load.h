/*
 * libgit2, loaded on first use. Most commands never touch git; linking
 * libgit2 would make every one of them load it and its sixteen libraries
 * (Kerberos, TLS, SSH...) at start-up, which costs about 0.8 ms of the 2 ms
 * a command like `mlv --version` may take. lib/git.c calls libgit2 only
 * through this table, filled by mlv__git_load() with dlopen/dlsym.
 */
#ifndef MLV_GIT_LOAD_H
#define MLV_GIT_LOAD_H

#include <git2.h>

/* Every libgit2 function lib/git.c calls; the table and the loader are made from this list. */
#define MLV_GIT_FUNCS(X) \
	X(git_blob_free) \
	X(git_blob_lookup) \
	X(git_blob_rawcontent) \
	X(git_blob_rawsize) \
	X(git_buf_dispose) \
	X(git_commit_author) \
	X(git_commit_free) \
	X(git_commit_lookup) \
	X(git_commit_parent) \
	X(git_commit_parentcount) \
	X(git_commit_summary) \
	X(git_commit_tree) \
	X(git_commit_tree_id) \
	X(git_config_free) \
	X(git_config_get_path) \
	X(git_config_open_default) \
	X(git_config_get_string_buf) \
	X(git_diff_free) \
	X(git_diff_options_init) \
	X(git_diff_to_buf) \
	X(git_diff_tree_to_workdir_with_index) \
	X(git_error_clear) \
	X(git_error_last) \
	X(git_index_entrycount) \
	X(git_index_free) \
	X(git_index_get_byindex) \
	X(git_libgit2_init) \
	X(git_object_free) \
	X(git_object_id) \
	X(git_object_lookup) \
	X(git_object_peel) \
	X(git_object_type) \
	X(git_odb_exists) \
	X(git_odb_free) \
	X(git_oid_cpy) \
	X(git_oid_equal) \
	X(git_oid_is_zero) \
	X(git_oid_tostr) \
	X(git_oid_tostr_s) \
	X(git_reference_free) \
	X(git_reference_iterator_free) \
	X(git_reference_iterator_new) \
	X(git_reference_name) \
	X(git_reference_name_to_id) \
	X(git_reference_next) \
	X(git_reference_resolve) \
	X(git_reference_target) \
	X(git_reflog_entry_byindex) \
	X(git_reflog_entry_id_new) \
	X(git_reflog_entry_id_old) \
	X(git_reflog_entrycount) \
	X(git_reflog_free) \
	X(git_reflog_read) \
	X(git_repository_config_snapshot) \
	X(git_repository_free) \
	X(git_repository_head) \
	X(git_repository_index) \
	X(git_repository_item_path) \
	X(git_repository_odb) \
	X(git_repository_open_ext) \
	X(git_repository_workdir) \
	X(git_revparse_single) \
	X(git_revwalk_free) \
	X(git_revwalk_new) \
	X(git_revwalk_next) \
	X(git_revwalk_push) \
	X(git_revwalk_push_head) \
	X(git_revwalk_simplify_first_parent) \
	X(git_status_list_entrycount) \
	X(git_status_list_free) \
	X(git_status_list_new) \
	X(git_status_options_init) \
	X(git_tree_entry_byindex) \
	X(git_tree_entry_bypath) \
	X(git_tree_entry_filemode) \
	X(git_tree_entry_free) \
	X(git_tree_entry_id) \
	X(git_tree_entry_name) \
	X(git_tree_entry_type) \
	X(git_tree_entrycount) \
	X(git_tree_free) \
	X(git_tree_lookup)

struct mlv__git_fns {
#define MLV_GIT_FIELD(f) __typeof__(f) *f;
	MLV_GIT_FUNCS(MLV_GIT_FIELD)
#undef MLV_GIT_FIELD
};

extern struct mlv__git_fns mlv__git;

/*
 * Load libgit2 (once; thread-safe) and resolve every function in the
 * table. Returns 0, or MLV_ERROR with a message naming the library.
 */
int mlv__git_load(void);

/* 1 once every function of the table is there. */
int mlv__git_loaded(void);

/* From here on, git_x(...) calls go through the table. */
#define git_blob_free (mlv__git.git_blob_free)
#define git_blob_lookup (mlv__git.git_blob_lookup)
#define git_blob_rawcontent (mlv__git.git_blob_rawcontent)
#define git_blob_rawsize (mlv__git.git_blob_rawsize)
#define git_buf_dispose (mlv__git.git_buf_dispose)
#define git_commit_author (mlv__git.git_commit_author)
#define git_commit_free (mlv__git.git_commit_free)
#define git_commit_lookup (mlv__git.git_commit_lookup)
#define git_commit_parent (mlv__git.git_commit_parent)
#define git_commit_parentcount (mlv__git.git_commit_parentcount)
#define git_commit_summary (mlv__git.git_commit_summary)
#define git_commit_tree (mlv__git.git_commit_tree)
#define git_commit_tree_id (mlv__git.git_commit_tree_id)
#define git_config_free (mlv__git.git_config_free)
#define git_config_get_path (mlv__git.git_config_get_path)
#define git_config_open_default (mlv__git.git_config_open_default)
#define git_config_get_string_buf (mlv__git.git_config_get_string_buf)
#define git_diff_free (mlv__git.git_diff_free)
#define git_diff_options_init (mlv__git.git_diff_options_init)
#define git_diff_to_buf (mlv__git.git_diff_to_buf)
#define git_diff_tree_to_workdir_with_index (mlv__git.git_diff_tree_to_workdir_with_index)
#define git_error_clear (mlv__git.git_error_clear)
#define git_error_last (mlv__git.git_error_last)
#define git_index_entrycount (mlv__git.git_index_entrycount)
#define git_index_free (mlv__git.git_index_free)
#define git_index_get_byindex (mlv__git.git_index_get_byindex)
#define git_libgit2_init (mlv__git.git_libgit2_init)
#define git_object_free (mlv__git.git_object_free)
#define git_object_id (mlv__git.git_object_id)
#define git_object_lookup (mlv__git.git_object_lookup)
#define git_object_peel (mlv__git.git_object_peel)
#define git_object_type (mlv__git.git_object_type)
#define git_odb_exists (mlv__git.git_odb_exists)
#define git_odb_free (mlv__git.git_odb_free)
#define git_oid_cpy (mlv__git.git_oid_cpy)
#define git_oid_equal (mlv__git.git_oid_equal)
#define git_oid_is_zero (mlv__git.git_oid_is_zero)
#define git_oid_tostr (mlv__git.git_oid_tostr)
#define git_oid_tostr_s (mlv__git.git_oid_tostr_s)
#define git_reference_free (mlv__git.git_reference_free)
#define git_reference_iterator_free (mlv__git.git_reference_iterator_free)
#define git_reference_iterator_new (mlv__git.git_reference_iterator_new)
#define git_reference_name (mlv__git.git_reference_name)
#define git_reference_name_to_id (mlv__git.git_reference_name_to_id)
#define git_reference_next (mlv__git.git_reference_next)
#define git_reference_resolve (mlv__git.git_reference_resolve)
#define git_reference_target (mlv__git.git_reference_target)
#define git_reflog_entry_byindex (mlv__git.git_reflog_entry_byindex)
#define git_reflog_entry_id_new (mlv__git.git_reflog_entry_id_new)
#define git_reflog_entry_id_old (mlv__git.git_reflog_entry_id_old)
#define git_reflog_entrycount (mlv__git.git_reflog_entrycount)
#define git_reflog_free (mlv__git.git_reflog_free)
#define git_reflog_read (mlv__git.git_reflog_read)
#define git_repository_config_snapshot (mlv__git.git_repository_config_snapshot)
#define git_repository_free (mlv__git.git_repository_free)
#define git_repository_head (mlv__git.git_repository_head)
#define git_repository_index (mlv__git.git_repository_index)
#define git_repository_item_path (mlv__git.git_repository_item_path)
#define git_repository_odb (mlv__git.git_repository_odb)
#define git_repository_open_ext (mlv__git.git_repository_open_ext)
#define git_repository_workdir (mlv__git.git_repository_workdir)
#define git_revparse_single (mlv__git.git_revparse_single)
#define git_revwalk_free (mlv__git.git_revwalk_free)
#define git_revwalk_new (mlv__git.git_revwalk_new)
#define git_revwalk_next (mlv__git.git_revwalk_next)
#define git_revwalk_push (mlv__git.git_revwalk_push)
#define git_revwalk_push_head (mlv__git.git_revwalk_push_head)
#define git_revwalk_simplify_first_parent (mlv__git.git_revwalk_simplify_first_parent)
#define git_status_list_entrycount (mlv__git.git_status_list_entrycount)
#define git_status_list_free (mlv__git.git_status_list_free)
#define git_status_list_new (mlv__git.git_status_list_new)
#define git_status_options_init (mlv__git.git_status_options_init)
#define git_tree_entry_byindex (mlv__git.git_tree_entry_byindex)
#define git_tree_entry_bypath (mlv__git.git_tree_entry_bypath)
#define git_tree_entry_filemode (mlv__git.git_tree_entry_filemode)
#define git_tree_entry_free (mlv__git.git_tree_entry_free)
#define git_tree_entry_id (mlv__git.git_tree_entry_id)
#define git_tree_entry_name (mlv__git.git_tree_entry_name)
#define git_tree_entry_type (mlv__git.git_tree_entry_type)
#define git_tree_entrycount (mlv__git.git_tree_entrycount)
#define git_tree_free (mlv__git.git_tree_free)
#define git_tree_lookup (mlv__git.git_tree_lookup)

#endif
