#include "CKernels.h"

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define SPARSETEXT_SCAN_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SPARSETEXT_SCAN_CLONES
#endif

// Thirty-two bytes, and thirty-two flags that convert to a 32-bit mask (bit i = byte i).
typedef uint8_t bytes32 __attribute__((ext_vector_type(32), aligned(1)));
typedef _Bool flags32 __attribute__((ext_vector_type(32)));

// The scan's state between blocks: where the current token started in `out`, and whether
// one is open.
typedef struct {
  ptrdiff_t length;  // bytes written to `out`
  ptrdiff_t start;   // where the open token starts in `out`
  ptrdiff_t tokens;  // tokens ended so far
  int open;          // whether a token is open
} scan_state;

// Ends the open token: kept when it has two or more characters, else taken back.
static inline void close_token(scan_state *s, ptrdiff_t *ends) {
  if (s->length - s->start >= 2) {
    ends[s->tokens++] = s->length;
  } else {
    s->length = s->start;
  }
  s->open = 0;
}

// One block of 32 bytes: `word` has bit i set when byte i is a word character, `mapped`
// holds the bytes as they go to `out` (lowercased or not). Runs of word characters are
// copied with fixed 32-byte copies (`out` has 32 bytes of slack), so no copy has a
// variable length.
static inline void scan_block(scan_state *s, uint32_t word, const uint8_t *mapped,
                              uint8_t *out, ptrdiff_t *ends) {
  int pos = 0;
  while (pos < 32) {
    if (s->open) {
      uint32_t rest = ~word >> pos;  // zero bits ahead end the run
      int end = rest == 0 ? 32 : pos + __builtin_ctz(rest);
      memcpy(out + s->length, mapped + pos, 32);
      s->length += end - pos;
      pos = end;
      if (end < 32) close_token(s, ends);
    } else {
      uint32_t rest = word >> pos;
      if (rest == 0) return;
      pos += __builtin_ctz(rest);
      s->open = 1;
      s->start = s->length;
    }
  }
}

SPARSETEXT_SCAN_CLONES
ptrdiff_t sparsetext_scan_ascii_words(const uint8_t *text, ptrdiff_t n, int lowercase,
                                      uint8_t *out, ptrdiff_t *ends, ptrdiff_t *length) {
  scan_state s = {0, 0, 0, 0};
  // Blocks are laid out in `block` followed by 32 spare bytes, which the fixed-size copies
  // of `scan_block` read past the block's end.
  uint8_t block[64] = {0};
  for (ptrdiff_t i = 0; i < n; i += 32) {
    ptrdiff_t count = n - i < 32 ? n - i : 32;
    bytes32 v = 0;
    if (count == 32) {
      memcpy(&v, text + i, 32);
    } else {
      uint8_t tail[32] = {0};  // zeros are not word characters and end a final token
      memcpy(tail, text + i, (size_t)count);
      memcpy(&v, tail, 32);
    }
    flags32 high = __builtin_convertvector(v >= 0x80, flags32);
    uint32_t highMask;
    memcpy(&highMask, &high, sizeof highMask);
    if (highMask != 0) return -1;
    // Comparisons give 0xFF where true and 0 where false.
    bytes32 folded = v | 0x20;
    bytes32 letter = (bytes32)((folded >= 'a') & (folded <= 'z'));
    bytes32 wordBytes = letter | (bytes32)((v >= '0') & (v <= '9')) | (bytes32)(v == '_');
    flags32 isWord = __builtin_convertvector(wordBytes, flags32);
    uint32_t word;
    memcpy(&word, &isWord, sizeof word);
    bytes32 mapped = lowercase ? (v | (letter & 0x20)) : v;
    memcpy(block, &mapped, 32);
    scan_block(&s, word, block, out, ends);
  }
  if (s.open) close_token(&s, ends);
  *length = s.length;
  return s.tokens;
}
