#include "chunker.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace tandem_delta {
namespace {

constexpr size_t kPageBytes = 4096;
constexpr size_t kRecordHead = 8;
constexpr uint32_t kFlagZero = 0x02, kFlagPage = 0x08, kFlagContinue = 0x20;

// The gear table is part of the on-disk format (chunk boundaries depend on it): generated from a fixed seed
// with splitmix64 so it is reproducible, and never to be changed without bumping the delta format version.
struct GearTable {
  uint64_t values[256];
  GearTable() {
    uint64_t state = 0x7461'6e64'656d'6364ULL;  // "tandemcd"
    for (auto& v : values) {
      state += 0x9E3779B97F4A7C15ULL;
      uint64_t z = state;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      v = z ^ (z >> 31);
    }
  }
};
const GearTable kGear;

int Log2(uint32_t v) {
  int bits = 0;
  while ((1u << bits) < v) bits++;
  return bits;
}

// Masks on the high bits: with `fp = (fp << 1) + gear[b]` bit k depends on the last k+1 bytes, so the top
// bits see a 64-byte window. Normalized chunking (FastCDC level 2): a stricter mask before the average size,
// a looser one after, which narrows the chunk size distribution around the average.
uint64_t HighMask(int bits) { return bits <= 0 ? 0 : (~0ULL << (64 - bits)); }

}  // namespace

void ValidateParams(const ChunkParams& params) {
  if (params.mode == Mode::kPage) return;
  if (params.mode == Mode::kMigrationStream && params.max_size < kRecordHead + kPageBytes) {
    throw std::invalid_argument("migration-stream chunking needs maxSize >= 4104 (a page record)");
  }
  const uint32_t avg = params.avg_size;
  if (avg < 64 || avg > (1u << 26) || (avg & (avg - 1)) != 0) {
    throw std::invalid_argument("avgSize must be a power of two between 64 and 64 MiB");
  }
  if (params.min_size < 1 || params.min_size > avg || params.max_size < avg || params.max_size > (1u << 28)) {
    throw std::invalid_argument("chunk sizes must satisfy 1 <= minSize <= avgSize <= maxSize <= 256 MiB");
  }
}

namespace {


// A RAM page record of a QEMU migration stream (migration/ram.c): be64 `offset | flags` with CONTINUE set
// (same RAM block as the previous record), then 4096 bytes for PAGE or a 0 fill byte for ZERO. The offset
// is below 2^42 (4 TiB blocks). Guest memory is little-endian, so such a big-endian word rarely occurs by
// chance (about 2^-33 per position in random data); a false match only moves a chunk boundary, never
// correctness. Returns the record's length, or 0 when `data` does not start one (or it is incomplete).
size_t RamRecordAt(const uint8_t* data, size_t n) {
  if (n < kRecordHead + 1) return 0;
  uint64_t word = 0;
  for (size_t i = 0; i < kRecordHead; i++) word = (word << 8) | data[i];
  if ((word >> 42) != 0) return 0;
  const uint32_t flags = static_cast<uint32_t>(word & 0xFFF);
  if (flags == (kFlagPage | kFlagContinue)) return n >= kRecordHead + kPageBytes ? kRecordHead + kPageBytes : 0;
  if (flags == (kFlagZero | kFlagContinue) && data[kRecordHead] == 0) return kRecordHead + 1;
  return 0;
}

size_t ContentDefinedCut(const ChunkParams& params, const uint8_t* data, size_t limit) {
  if (limit <= params.min_size) return limit;
  const size_t normal = limit < params.avg_size ? limit : params.avg_size;
  const int bits = Log2(params.avg_size);
  const uint64_t mask_small = HighMask(bits + 2);
  const uint64_t mask_large = HighMask(bits - 2);
  uint64_t fp = 0;
  size_t i = params.min_size;
  for (; i < normal; i++) {
    fp = (fp << 1) + kGear.values[data[i]];
    if ((fp & mask_small) == 0) return i + 1;
  }
  for (; i < limit; i++) {
    fp = (fp << 1) + kGear.values[data[i]];
    if ((fp & mask_large) == 0) return i + 1;
  }
  return limit;
}

// Every page record is its own chunk, so a changed guest page costs one chunk whatever order the pages come
// in; a run of zero-page records (9 bytes each) is one chunk; anything else (libvirt's header, the domain
// XML, device state) is chunked content-defined, cut short at the first page record found in it.
size_t MigrationStreamCut(const ChunkParams& params, const uint8_t* data, size_t limit) {
  const size_t record = RamRecordAt(data, limit);
  if (record > kRecordHead + 1) return record;
  if (record != 0) {
    size_t pos = record;
    while (pos < limit) {
      const size_t next = RamRecordAt(data + pos, limit - pos);
      if (next != kRecordHead + 1) break;
      pos += next;
    }
    return pos;
  }
  const size_t cut = ContentDefinedCut(params, data, limit);
  for (size_t q = 1; q < cut; q++) {
    if (RamRecordAt(data + q, limit - q) != 0) return q;
  }
  return cut;
}

}  // namespace

size_t NextCut(const ChunkParams& params, const uint8_t* data, size_t n, bool at_end) {
  if (params.mode == Mode::kPage) {
    if (n >= kPageBytes) return kPageBytes;
    return at_end ? n : 0;
  }
  if (n < params.max_size && !at_end) return 0;  // a cut at max_size may still be needed: wait for input
  const size_t limit = n < params.max_size ? n : params.max_size;
  if (params.mode == Mode::kMigrationStream) return MigrationStreamCut(params, data, limit);
  return ContentDefinedCut(params, data, limit);
}

void AppendHash(const uint8_t* data, size_t n, std::vector<uint8_t>& out) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(data, n));
  out.insert(out.end(), canonical.digest, canonical.digest + sizeof(canonical.digest));
}

void ChunkAll(const ChunkParams& params, const uint8_t* data, size_t n, ChunkList& out) {
  size_t pos = 0;
  while (pos < n) {
    const size_t len = NextCut(params, data + pos, n - pos, true);
    out.lengths.push_back(static_cast<uint32_t>(len));
    AppendHash(data + pos, len, out.hashes);
    pos += len;
  }
}

namespace {
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};
[[noreturn]] void ThrowErrno(const std::string& what, const std::string& path) {
  throw std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}
}  // namespace

uint64_t ChunkFile(const ChunkParams& params, const std::string& path, size_t window, ChunkList& out) {
  Fd file{open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) ThrowErrno("cannot open", path);
  posix_fadvise(file.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  // The buffer holds one window plus the unfinished chunk carried over from the previous one (< max_size).
  const size_t carry_max = params.mode == Mode::kPage ? kPageBytes : params.max_size;
  const size_t capacity = window + carry_max;
  std::unique_ptr<uint8_t[]> buffer(new uint8_t[capacity]);
  size_t filled = 0;
  uint64_t offset = 0;
  bool at_end = false;
  while (!at_end) {
    while (filled < capacity) {
      const ssize_t got = pread(file.fd, buffer.get() + filled, capacity - filled, static_cast<off_t>(offset));
      if (got < 0) {
        if (errno == EINTR) continue;
        ThrowErrno("cannot read", path);
      }
      if (got == 0) {
        at_end = true;
        break;
      }
      filled += static_cast<size_t>(got);
      offset += static_cast<uint64_t>(got);
    }
    size_t pos = 0;
    while (pos < filled) {
      const size_t len = NextCut(params, buffer.get() + pos, filled - pos, at_end);
      if (len == 0) break;
      out.lengths.push_back(static_cast<uint32_t>(len));
      AppendHash(buffer.get() + pos, len, out.hashes);
      pos += len;
    }
    std::memmove(buffer.get(), buffer.get() + pos, filled - pos);
    filled -= pos;
  }
  return offset;
}

}  // namespace tandem_delta
