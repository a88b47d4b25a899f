//! The one VICI command swanctl 5.9.8 has no counterpart for, spoken on the wire.

use std::path::Path;
use std::time::Duration;

/// VICI `get-shared` over charon's unix socket: the `keys` list of the answer.
///
/// A VICI packet is a 32-bit big-endian length and the payload; a command request is
/// type 0, the command name (8-bit length) and a message, here empty; the answer is type
/// 1 (CMD_RESPONSE) and a message of elements: 1 section start (name), 2 section end,
/// 3 key/value (name, 16-bit length value), 4 list start (name), 5 list item (16-bit
/// length value), 6 list end.
pub(super) fn vici_get_shared(socket: &Path) -> std::io::Result<Vec<String>> {
    use std::io::{Error, Read, Write};
    let invalid = |what: &str| Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let mut stream = std::os::unix::net::UnixStream::connect(socket)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let command = b"get-shared";
    let mut packet = vec![0u8, command.len() as u8];
    packet.extend_from_slice(command);
    stream.write_all(&(packet.len() as u32).to_be_bytes())?;
    stream.write_all(&packet)?;
    let mut length = [0u8; 4];
    stream.read_exact(&mut length)?;
    let mut answer = vec![0u8; u32::from_be_bytes(length) as usize];
    stream.read_exact(&mut answer)?;
    match answer.first() {
        Some(1) => {}
        Some(2) => return Err(invalid("charon does not know the command get-shared")),
        _ => return Err(invalid("unexpected VICI packet type")),
    }
    let mut message = Cursor {
        bytes: &answer,
        at: 1,
    };
    let (mut keys, mut list) = (Vec::new(), None::<String>);
    while let Some(kind) = message.byte() {
        match kind {
            1 | 4 => {
                let name = message
                    .name()
                    .ok_or_else(|| invalid("truncated VICI message"))?;
                if kind == 4 {
                    list = Some(name);
                }
            }
            2 => {}
            3 => {
                message
                    .name()
                    .and_then(|_| message.value())
                    .ok_or_else(|| invalid("truncated VICI message"))?;
            }
            5 => {
                let item = message
                    .value()
                    .ok_or_else(|| invalid("truncated VICI message"))?;
                if list.as_deref() == Some("keys") {
                    keys.push(item);
                }
            }
            6 => list = None,
            _ => return Err(invalid("unknown VICI message element")),
        }
    }
    Ok(keys)
}

/// Reading a VICI message.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let bytes = self.bytes.get(self.at..self.at + n)?;
        self.at += n;
        Some(bytes)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    /// A name: 8-bit length, then the bytes.
    fn name(&mut self) -> Option<String> {
        let n = self.byte()? as usize;
        self.take(n)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    /// A value: 16-bit big-endian length, then the bytes.
    fn value(&mut self) -> Option<String> {
        let len = self.take(2)?;
        let n = u16::from_be_bytes([len[0], len[1]]) as usize;
        self.take(n)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }
}
