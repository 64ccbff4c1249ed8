// Content-defined chunking (FastCDC with a gear hash and normalized chunking), fixed 4 KiB pages, and a
// QEMU-migration-stream mode that cuts at RAM page records (content-defined elsewhere), each chunk named by
// its XXH3-128 hash. Pure C++: no N-API here, so the addon's workers call it off the JS thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tandem_delta {

enum class Mode { kContentDefined = 0, kPage = 1, kMigrationStream = 2 };

struct ChunkParams {
  Mode mode = Mode::kContentDefined;
  uint32_t min_size = 2048;
  uint32_t avg_size = 8192;  // a power of two
  uint32_t max_size = 65536;
};

// Throws std::invalid_argument when the sizes are not min <= avg <= max, avg a power of two in [64, 2^26].
void ValidateParams(const ChunkParams& params);

struct ChunkList {
  std::vector<uint32_t> lengths;
  std::vector<uint8_t> hashes;  // 16 bytes (XXH3-128, canonical big-endian form) per chunk
};

// The length of the chunk that starts at `data` (n bytes available, `at_end` when no more input follows).
// Returns 0 when more input is needed to decide (only possible when !at_end).
size_t NextCut(const ChunkParams& params, const uint8_t* data, size_t n, bool at_end);

// Chunks `data` (all of it: the caller has no more) and appends to `out`.
void ChunkAll(const ChunkParams& params, const uint8_t* data, size_t n, ChunkList& out);

// Appends the XXH3-128 of data[0..n) to `out` in canonical (big-endian) form.
void AppendHash(const uint8_t* data, size_t n, std::vector<uint8_t>& out);

// Chunks a file read through pread in windows of `window` bytes (never the whole file in memory).
// Throws std::runtime_error with errno's text on I/O failure. Returns the file's size.
uint64_t ChunkFile(const ChunkParams& params, const std::string& path, size_t window, ChunkList& out);

}  // namespace tandem_delta
