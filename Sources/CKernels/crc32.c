#include "CKernels.h"

#include <string.h>

// CRC-32 (ZIP's: reflected polynomial 0xEDB88320) eight bytes at a time ("slicing by 8"):
// table[k][b] is the CRC of byte b followed by k zero bytes, so eight table lookups advance
// the register over eight bytes at once. The tables are built when the library loads.
static uint32_t crc_table[8][256];

__attribute__((constructor)) static void crc32_build_tables(void) {
  for (uint32_t b = 0; b < 256; b++) {
    uint32_t c = b;
    for (int bit = 0; bit < 8; bit++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[0][b] = c;
  }
  for (uint32_t b = 0; b < 256; b++) {
    uint32_t c = crc_table[0][b];
    for (int k = 1; k < 8; k++) {
      c = crc_table[0][c & 0xFF] ^ (c >> 8);
      crc_table[k][b] = c;
    }
  }
}

uint32_t sparsetext_crc32(uint32_t crc, const uint8_t *bytes, ptrdiff_t n) {
  uint32_t c = ~crc;
  // Byte by byte up to an eight-byte boundary, then eight at a time, then the tail.
  while (n > 0 && ((uintptr_t)bytes & 7) != 0) {
    c = crc_table[0][(c ^ *bytes++) & 0xFF] ^ (c >> 8);
    n--;
  }
  while (n >= 8) {
    uint32_t low, high;
    memcpy(&low, bytes, 4);
    memcpy(&high, bytes + 4, 4);
    low ^= c;
    c = crc_table[7][low & 0xFF] ^ crc_table[6][(low >> 8) & 0xFF] ^
        crc_table[5][(low >> 16) & 0xFF] ^ crc_table[4][low >> 24] ^
        crc_table[3][high & 0xFF] ^ crc_table[2][(high >> 8) & 0xFF] ^
        crc_table[1][(high >> 16) & 0xFF] ^ crc_table[0][high >> 24];
    bytes += 8;
    n -= 8;
  }
  while (n-- > 0) c = crc_table[0][(c ^ *bytes++) & 0xFF] ^ (c >> 8);
  return ~c;
}
