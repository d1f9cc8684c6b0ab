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
