/* C ABI of the shardyfusion-slatedb crate (rust/src).  Hand-written: keep in sync.
 *
 * Every function returning int32_t returns SFS_OK or an error code and, when `err` is not
 * NULL, stores a message the caller releases with sfs_string_free.  Calls block the
 * calling thread; one handle must not be used by two threads at once, different handles
 * may.  All handles share one runtime and one object-store client per store. */
#ifndef SHARDYFUSION_SLATEDB_H_
#define SHARDYFUSION_SLATEDB_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
  SFS_OK = 0,
  SFS_INVALID = 1,     /* bad argument, URL or setting */
  SFS_UNAVAILABLE = 2, /* store or network trouble: retryable */
  SFS_NOT_FOUND = 3,   /* no SlateDB database at the URL */
  SFS_DATA = 4,        /* persisted data unreadable / unknown format */
  SFS_CLOSED = 5,      /* database closed or fenced */
  SFS_INTERNAL = 6
};

typedef struct sfs_writer sfs_writer;
typedef struct sfs_reader sfs_reader;
typedef struct sfs_cache sfs_cache;

/* Borrowed bytes.  For scan bounds, data == NULL means unbounded. */
typedef struct {
  const uint8_t* data;
  size_t len;
} sfs_slice;

/* Bytes owned by the library: release with sfs_bytes_free. */
typedef struct {
  uint8_t* data;
  size_t len;
} sfs_bytes;

#define SFS_MISSING SIZE_MAX
/* Items packed back to back in data; lens[i] == SFS_MISSING marks a miss.  sfs_list_free. */
typedef struct {
  sfs_bytes data;
  size_t* lens;
  size_t count;
} sfs_list;

/* S3 settings; NULL or "" strings are unset.  Ignored for local paths. */
typedef struct {
  const char* endpoint;
  const char* region;
  const char* access_key_id;
  const char* secret_access_key;
  const char* session_token;
  int32_t path_style;
  int32_t allow_http;
} sfs_store_options;

typedef struct {
  const sfs_cache* cache;     /* NULL: no block cache */
  const char* disk_cache_dir; /* NULL / "": no local disk cache of object parts */
  uint64_t disk_cache_bytes;  /* 0: SlateDB's default */
  uint64_t part_size_bytes;   /* disk cache GET unit, multiple of 1024; 0: default */
} sfs_reader_options;

typedef struct {
  uint64_t runtimes_live, runtimes_created;
  uint64_t clients_live, clients_created;
  uint64_t writers_live, readers_live;
} sfs_stats_t;

void sfs_string_free(char* s);
void sfs_bytes_free(sfs_bytes* b);
void sfs_list_free(sfs_list* l);
void sfs_stats(sfs_stats_t* out);

/* url: s3://bucket/prefix, file:///abs/dir or /abs/dir — the database root itself.
 * settings_json: NULL or {"dotted.key": <JSON value>} over SlateDB's default settings. */
int32_t sfs_writer_open(const char* url, const sfs_store_options* store, const char* settings_json,
                        sfs_writer** out, char** err);
int32_t sfs_writer_put_batch(sfs_writer* w, const sfs_slice* keys, const sfs_slice* values, size_t n,
                             char** err);
int32_t sfs_writer_flush(sfs_writer* w, char** err); /* WAL flush: durable after this */
int32_t sfs_writer_close(sfs_writer* w, char** err); /* clean shutdown; then sfs_writer_free */
void sfs_writer_free(sfs_writer* w);

sfs_cache* sfs_cache_new(uint64_t block_bytes);
void sfs_cache_free(sfs_cache* c); /* readers keep what they use alive */

/* Never writes to the store.  SFS_NOT_FOUND when there is no database at url. */
int32_t sfs_reader_open(const char* url, const sfs_store_options* store,
                        const sfs_reader_options* options, sfs_reader** out, char** err);
int32_t sfs_reader_get(sfs_reader* r, sfs_slice key, sfs_bytes* value, int32_t* found, char** err);
int32_t sfs_reader_get_many(sfs_reader* r, const sfs_slice* keys, size_t n, sfs_list* out, char** err);
/* Up to limit rows of [start, end) in key order. */
int32_t sfs_reader_scan(sfs_reader* r, sfs_slice start, sfs_slice end, size_t limit, sfs_list* keys,
                        sfs_list* values, char** err);
int32_t sfs_reader_close(sfs_reader* r, char** err);
void sfs_reader_free(sfs_reader* r);

#ifdef __cplusplus
}
#endif

#endif /* SHARDYFUSION_SLATEDB_H_ */
