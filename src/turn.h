/*
** turn.h: what TURN (RFC 8656) servers and clients share: ChannelData
** framing and the default lifetimes. ChannelData is a 4-byte header
** (channel number, length) and the data; over UDP a datagram is one
** ChannelData message, which may be padded to a multiple of 4. Channel
** numbers: we choose from RFC 8656's 0x4000-0x4FFF, and accept RFC 5766's
** 0x4000-0x7FFF, which deployed clients (coturn's among them) still pick.
*/
#ifndef NATSIM_TURN_H
#define NATSIM_TURN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TURN_CHANNEL_MIN 0x4000
#define TURN_CHANNEL_MAX 0x4FFF        /* the last we choose */
#define TURN_CHANNEL_ACCEPT_MAX 0x7FFF /* the last we accept */
#define TURN_S 1000000000LL
#define TURN_ALLOCATION_LIFETIME (600 * TURN_S) /* default, RFC 8656 */
#define TURN_MAX_LIFETIME (3600 * TURN_S)
#define TURN_PERMISSION_LIFETIME (300 * TURN_S)
#define TURN_CHANNEL_LIFETIME (600 * TURN_S)
#define TURN_UDP 17 /* REQUESTED-TRANSPORT */

/* Whether buf looks like ChannelData (at least 4 bytes, first bits 01). */
bool turn_is_channel_data(const uint8_t *buf, size_t len);
/* Decodes a ChannelData datagram: 0, or -1 when malformed (short, a channel
** outside the range, a length beyond the datagram or more than 3 bytes of
** padding after it), with the outputs untouched. *data points into buf. */
int turn_channel_decode(const uint8_t *buf, size_t len, uint16_t *channel,
                        const uint8_t **data, size_t *data_len);
/* Encodes ChannelData (data copied), padded to a multiple of 4. Returns
** the length, or -1 when len exceeds 65535 or cap is too small. */
int turn_channel_encode(uint16_t channel, const uint8_t *data, size_t len,
                        uint8_t *buf, size_t cap);

#endif
