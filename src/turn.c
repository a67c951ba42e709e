/* turn.c: ChannelData framing. */
#include "turn.h"

#include <string.h>

#include "wire.h"

bool turn_is_channel_data(const uint8_t *buf, size_t len) {
  return len >= 4 && (buf[0] & 0xC0) == 0x40;
}

int turn_channel_decode(const uint8_t *buf, size_t len, uint16_t *channel,
                        const uint8_t **data, size_t *data_len) {
  if (len < 4) return -1;
  uint16_t ch = wire_get16(buf);
  size_t n = wire_get16(buf + 2);
  if (ch < TURN_CHANNEL_MIN || ch > TURN_CHANNEL_ACCEPT_MAX || n > len - 4 || len - 4 - n > 3)
    return -1;
  *channel = ch;
  *data = buf + 4;
  *data_len = n;
  return 0;
}

int turn_channel_encode(uint16_t channel, const uint8_t *data, size_t len, uint8_t *buf,
                        size_t cap) {
  size_t padded = (len + 3) & ~(size_t)3;
  if (len > 0xFFFF || cap < 4 + padded) return -1;
  wire_put16(buf, channel);
  wire_put16(buf + 2, (uint16_t)len);
  if (len) memcpy(buf + 4, data, len);
  memset(buf + 4 + len, 0, padded - len);
  return (int)(4 + padded);
}
