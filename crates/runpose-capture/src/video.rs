//! Video files in (FFmpeg through ffmpeg-next) and out (H.264 MP4 for sharing, Motion JPEG in Matroska for
//! recordings).

use std::path::{Path, PathBuf};
use std::sync::Once;

use ffmpeg::codec::packet::side_data::Type as SideDataType;
use ffmpeg::format::Pixel;
use ffmpeg::software::scaling;
use ffmpeg_next as ffmpeg;
use image::RgbImage;

use crate::{BoxError, CaptureError, Frame};

pub(crate) fn init_ffmpeg() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let _ = ffmpeg::init();
        // Our own errors say what went wrong; FFmpeg's console chatter would only bury them.
        ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Fatal);
    });
}

/// What is known about a video before decoding it.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoInfo {
    /// Size as displayed (after rotation).
    pub width: u32,
    pub height: u32,
    /// Clockwise rotation applied to decoded frames, degrees (0, 90, 180 or 270), from the display matrix.
    pub rotation: u32,
    /// Average frame rate the container declares (time stamps, not this, time the frames).
    pub fps: f64,
    /// Frame count the container declares, if any.
    pub frames_hint: Option<u64>,
    pub duration_s: Option<f64>,
    pub codec: String,
}

/// Clockwise rotation (0, 90, 180, 270) that displays a frame upright, from a display matrix (9 native-endian i32,
/// 16.16 fixed point), as the ffmpeg command line computes it.
pub fn rotation_from_display_matrix(m: &[i32; 9]) -> u32 {
    let f = |v: i32| v as f64 / 65536.0;
    let (sx, sy) = (f(m[0]).hypot(f(m[3])), f(m[1]).hypot(f(m[4])));
    if sx == 0.0 || sy == 0.0 {
        return 0;
    }
    let ccw = -(f(m[1]) / sy).atan2(f(m[0]) / sx).to_degrees();
    let cw = (-ccw).round().rem_euclid(360.0);
    (((cw / 90.0).round() as u32) % 4) * 90
}

/// Reads the frames of a video file, converted to RGB and rotated upright, with time stamps from the stream.
pub struct VideoReader {
    path: PathBuf,
    input: ffmpeg::format::context::Input,
    stream_index: usize,
    decoder: ffmpeg::decoder::Video,
    scaler: Option<(scaling::Context, Pixel, u32, u32)>,
    time_base: f64,
    first_ts: Option<i64>,
    last_t: Option<f64>,
    info: VideoInfo,
    index: usize,
    flushing: bool,
    finished: bool,
    damage: Option<String>,
}

impl VideoReader {
    /// Opens a video file. Errors say in one sentence what is wrong with the file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, CaptureError> {
        init_ffmpeg();
        let path = path.as_ref().to_path_buf();
        if !path.exists() {
            return Err(CaptureError::NotFound(path));
        }
        let input = ffmpeg::format::input(&path)
            .map_err(|e| CaptureError::NotAVideo { path: path.clone(), source: e.into() })?;
        let stream = input
            .streams()
            .best(ffmpeg::media::Type::Video)
            .ok_or_else(|| CaptureError::NoVideoStream(path.clone()))?;
        let stream_index = stream.index();
        let tb = stream.time_base();
        let time_base = tb.numerator() as f64 / tb.denominator().max(1) as f64;
        let rotation = stream
            .side_data()
            .find(|sd| sd.kind() == SideDataType::DisplayMatrix)
            .and_then(|sd| {
                let bytes: [u8; 36] = sd.data().get(..36)?.try_into().ok()?;
                let m: [i32; 9] = std::array::from_fn(|i| {
                    i32::from_ne_bytes([bytes[4 * i], bytes[4 * i + 1], bytes[4 * i + 2], bytes[4 * i + 3]])
                });
                Some(rotation_from_display_matrix(&m))
            })
            .or_else(|| {
                stream
                    .metadata()
                    .get("rotate")
                    .and_then(|r| r.parse::<i64>().ok())
                    .map(|r| (r.rem_euclid(360) as u32 / 90) * 90)
            })
            .unwrap_or(0);
        let rate = stream.avg_frame_rate();
        let fps = if rate.denominator() != 0 { rate.numerator() as f64 / rate.denominator() as f64 } else { 0.0 };
        let frames_hint = (stream.frames() > 0).then_some(stream.frames() as u64);
        let duration_s = (stream.duration() > 0).then_some(stream.duration() as f64 * time_base);
        let mut context = ffmpeg::codec::context::Context::from_parameters(stream.parameters())
            .map_err(|e| CaptureError::NotAVideo { path: path.clone(), source: e.into() })?;
        context.set_threading(ffmpeg::codec::threading::Config {
            kind: ffmpeg::codec::threading::Type::Frame,
            count: 2,
            ..Default::default()
        });
        let decoder = context
            .decoder()
            .video()
            .map_err(|e| CaptureError::Unsupported { path: path.clone(), source: e.into() })?;
        let codec = decoder.codec().map_or_else(|| "unknown".to_string(), |c| c.name().to_string());
        let (w, h) = (decoder.width(), decoder.height());
        if w == 0 || h == 0 {
            return Err(CaptureError::Unsupported { path, source: "the video stream has no frame size".into() });
        }
        let (width, height) = if rotation % 180 == 90 { (h, w) } else { (w, h) };
        let info = VideoInfo { width, height, rotation, fps, frames_hint, duration_s, codec };
        Ok(Self {
            path,
            input,
            stream_index,
            decoder,
            scaler: None,
            time_base,
            first_ts: None,
            last_t: None,
            info,
            index: 0,
            flushing: false,
            finished: false,
            damage: None,
        })
    }

    pub fn info(&self) -> &VideoInfo {
        &self.info
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why decoding stopped early or skipped data (a truncated or corrupt file), if it did.
    pub fn damage(&self) -> Option<&str> {
        self.damage.as_deref()
    }

    fn note_damage(&mut self, what: String) {
        tracing::warn!(path = %self.path.display(), "{what}");
        self.damage.get_or_insert(what);
    }

    /// The next frame, or `None` at the end. A truncated or damaged file ends early (see `damage`), it does not fail.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, CaptureError> {
        let mut decoded = ffmpeg::frame::Video::empty();
        loop {
            if self.finished {
                return Ok(None);
            }
            match self.decoder.receive_frame(&mut decoded) {
                Ok(()) => return self.convert(&decoded).map(Some),
                Err(ffmpeg::Error::Eof) => {
                    self.finished = true;
                    self.check_complete();
                    return Ok(None);
                }
                Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::util::error::EAGAIN => {}
                Err(e) => {
                    self.note_damage(format!("a frame could not be decoded ({e})"));
                    continue;
                }
            }
            if self.flushing {
                // Draining after EOF produced nothing more.
                self.finished = true;
                self.check_complete();
                return Ok(None);
            }
            self.feed_packet();
        }
    }

    /// At the end: a file whose frames stop well before its declared duration was cut short.
    fn check_complete(&mut self) {
        let (Some(duration), Some(last)) = (self.info.duration_s, self.last_t) else { return };
        let interval = if self.info.fps > 0.0 { 1.0 / self.info.fps } else { 0.1 };
        if last + 3.0 * interval < duration {
            self.note_damage(format!(
                "the file ends early: frames stop at {last:.2} s of its {duration:.2} s; the frames before that are used"
            ));
        }
    }

    /// Sends the next packet of the video stream to the decoder, or end-of-stream.
    fn feed_packet(&mut self) {
        let mut packet = ffmpeg::Packet::empty();
        loop {
            match packet.read(&mut self.input) {
                Ok(()) if packet.stream() == self.stream_index => {
                    if let Err(e) = self.decoder.send_packet(&packet) {
                        self.note_damage(format!("a damaged packet was skipped ({e})"));
                        continue;
                    }
                    return;
                }
                Ok(()) => continue,
                Err(ffmpeg::Error::Eof) => break,
                Err(e) => {
                    self.note_damage(format!(
                        "the file ends early or is damaged ({e}); the frames before that are used"
                    ));
                    break;
                }
            }
        }
        self.flushing = true;
        let _ = self.decoder.send_eof();
    }

    fn convert(&mut self, decoded: &ffmpeg::frame::Video) -> Result<Frame, CaptureError> {
        let (w, h, fmt) = (decoded.width(), decoded.height(), decoded.format());
        let scaler = match &mut self.scaler {
            Some((ctx, f, sw, sh)) if (*f, *sw, *sh) == (fmt, w, h) => ctx,
            slot => {
                let ctx =
                    scaling::Context::get(fmt, w, h, Pixel::RGB24, w, h, scaling::Flags::BILINEAR).map_err(|e| {
                        CaptureError::Unsupported {
                            path: self.path.clone(),
                            source: format!("pixel format {fmt:?}: {e}").into(),
                        }
                    })?;
                &mut slot.insert((ctx, fmt, w, h)).0
            }
        };
        let mut rgb = ffmpeg::frame::Video::empty();
        scaler
            .run(decoded, &mut rgb)
            .map_err(|e| CaptureError::Unsupported { path: self.path.clone(), source: e.into() })?;
        let stride = rgb.stride(0);
        let data = rgb.data(0);
        let row = w as usize * 3;
        let mut packed = Vec::with_capacity(row * h as usize);
        for y in 0..h as usize {
            packed.extend_from_slice(&data[y * stride..y * stride + row]);
        }
        let upright = RgbImage::from_raw(w, h, packed).ok_or_else(|| CaptureError::Unsupported {
            path: self.path.clone(),
            source: format!("a decoded frame is not {w}x{h} RGB").into(),
        })?;
        let image = match self.info.rotation {
            90 => image::imageops::rotate90(&upright),
            180 => image::imageops::rotate180(&upright),
            270 => image::imageops::rotate270(&upright),
            _ => upright,
        };
        let t = match decoded.timestamp().or_else(|| decoded.pts()) {
            Some(ts) => (ts - *self.first_ts.get_or_insert(ts)) as f64 * self.time_base,
            // No time stamp: one nominal frame interval after the previous frame.
            None => self.last_t.map_or(0.0, |t| t + 1.0 / if self.info.fps > 0.0 { self.info.fps } else { 30.0 }),
        };
        self.last_t = Some(t);
        let frame = Frame { index: self.index, t, image };
        self.index += 1;
        Ok(frame)
    }
}

impl VideoReader {
    /// Moves to the last keyframe at or before `t` seconds (frame time as `next_frame` gives it): the next frames
    /// come from there. Frame indices are unknown after a seek (`SeekableVideo` keeps them).
    pub fn seek(&mut self, t: f64) -> Result<(), CaptureError> {
        if self.first_ts.is_none() {
            // The time origin is the first frame's time stamp: learn it first.
            self.next_frame()?;
        }
        let first = self.first_ts.unwrap_or(0) as f64 * self.time_base;
        let target_us = ((first + t.max(0.0)) * 1e6).round() as i64;
        self.input.seek(target_us, ..target_us + 1).map_err(|e| CaptureError::NotAVideo {
            path: self.path.clone(),
            source: format!("seeking to {t:.3} s failed: {e}").into(),
        })?;
        self.decoder.flush();
        self.flushing = false;
        self.finished = false;
        Ok(())
    }
}

/// Frames of a video by index, for replay: stepping forward decodes the next frame, stepping back or jumping seeks
/// to the keyframe before (every frame, in a Motion JPEG clip) and decodes up to the frame. The last frames decoded
/// are kept, so stepping back and forth over them costs nothing.
pub struct SeekableVideo {
    reader: VideoReader,
    /// Each frame's time stamp, seconds (from the analysis: they index frames).
    times: Vec<f64>,
    cache: std::collections::VecDeque<(usize, std::sync::Arc<RgbImage>)>,
    /// The index of the frame `reader` returns next, when known.
    next: Option<usize>,
}

impl SeekableVideo {
    /// Frames decoded ahead before seeking instead is cheaper.
    const MAX_DECODE_AHEAD: usize = 45;
    /// Frames kept decoded.
    const CACHE: usize = 48;

    /// Opens `path`, whose frames have the time stamps `times` (as `VideoReader` gives them).
    pub fn open(path: impl AsRef<Path>, times: Vec<f64>) -> Result<Self, CaptureError> {
        Ok(Self { reader: VideoReader::open(path)?, times, cache: Default::default(), next: Some(0) })
    }

    pub fn len(&self) -> usize {
        self.times.len()
    }

    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    pub fn info(&self) -> &VideoInfo {
        self.reader.info()
    }

    /// Frame `i`.
    pub fn frame(&mut self, i: usize) -> Result<std::sync::Arc<RgbImage>, CaptureError> {
        if let Some((_, img)) = self.cache.iter().find(|(j, _)| *j == i) {
            return Ok(img.clone());
        }
        let Some(&target_t) = self.times.get(i) else {
            return Err(CaptureError::NotAVideo {
                path: self.reader.path().to_path_buf(),
                source: format!("it has no frame {i}").into(),
            });
        };
        if !self.next.is_some_and(|n| n <= i && i - n <= Self::MAX_DECODE_AHEAD) {
            // Half a frame early, so rounding never lands after the frame's own keyframe.
            let half = self.times.get(1).map_or(0.0, |t1| 0.5 * (t1 - self.times[0]));
            self.reader.seek(target_t - half)?;
            self.next = None;
        }
        loop {
            let Some(frame) = self.reader.next_frame()? else {
                return Err(CaptureError::NotAVideo {
                    path: self.reader.path().to_path_buf(),
                    source: format!("frame {i} could not be decoded").into(),
                });
            };
            let index = match self.next {
                Some(n) => n,
                None => runpose_core::phase::nearest_frame(&self.times, frame.t).unwrap_or(0),
            };
            self.next = Some(index + 1);
            let image = std::sync::Arc::new(frame.image);
            if !self.cache.iter().any(|(j, _)| *j == index) {
                self.cache.push_back((index, image.clone()));
                if self.cache.len() > Self::CACHE {
                    self.cache.pop_front();
                }
            }
            // Past the frame only if the seek overshot (a damaged index): the nearest there is.
            if index >= i {
                return Ok(image);
            }
        }
    }
}

impl Iterator for VideoReader {
    type Item = Result<Frame, CaptureError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_frame().transpose()
    }
}

/// How `VideoWriter` encodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoCodec {
    /// H.264 (libx264 when FFmpeg has it, else MPEG-4 Part 2), for an MP4 to share: small files.
    H264,
    /// Motion JPEG at high quality, for recordings in Matroska (docs/recording.md): every frame stands alone, so a
    /// file cut off by a crash loses only the frame being written, stepping back a frame decodes one frame, and
    /// encoding costs little CPU beside the live pose model.
    Mjpeg,
}

/// Matroska clusters are closed, and so written out, at least this often when recording, ms: the muxer holds the
/// open cluster in memory, so a killed process loses at most this much video.
const RECORDING_CLUSTER_MS: &str = "250";

/// Writes RGB frames to a video file with the time stamps given, so variable frame rates survive.
pub struct VideoWriter {
    path: PathBuf,
    output: ffmpeg::format::context::Output,
    encoder: ffmpeg::encoder::Video,
    scaler: scaling::Context,
    width: u32,
    height: u32,
    stream_time_base: ffmpeg::Rational,
    last_pts: Option<i64>,
    /// Nominal frame interval, ms: the duration of every packet (the last one's would otherwise be 0, and FFmpeg
    /// drops a zero-length last frame when reading the file back).
    interval_ms: i64,
    /// A second handle on the file, to flush it to the disk (`sync`).
    sync_handle: Option<std::fs::File>,
}

const WRITER_TIME_BASE: ffmpeg::Rational = ffmpeg::Rational(1, 1000);

impl VideoWriter {
    /// Creates the H.264 MP4 `path` for frames of `width` × `height` (odd sizes are rounded down to even, as H.264
    /// requires).
    pub fn create(path: impl AsRef<Path>, width: u32, height: u32, fps: f64) -> Result<Self, CaptureError> {
        Self::create_with(path, width, height, fps, VideoCodec::H264)
    }

    /// Creates `path` (its extension picks the container) encoding with `codec`. With `VideoCodec::Mjpeg` every
    /// packet goes to the file as soon as it is encoded, so a killed process leaves all but the frame in hand.
    pub fn create_with(
        path: impl AsRef<Path>,
        width: u32,
        height: u32,
        fps: f64,
        codec: VideoCodec,
    ) -> Result<Self, CaptureError> {
        init_ffmpeg();
        let path = path.as_ref().to_path_buf();
        let fail = |e: BoxError| CaptureError::Write { path: path.clone(), source: e };
        let (ew, eh) = (width & !1, height & !1);
        if ew == 0 || eh == 0 {
            return Err(fail(format!("frame size {width}x{height} is too small").into()));
        }
        let mut output = ffmpeg::format::output(&path).map_err(|e| fail(e.into()))?;
        let global_header = output.format().flags().contains(ffmpeg::format::Flags::GLOBAL_HEADER);
        let kind = codec;
        let codec = match kind {
            VideoCodec::H264 => ffmpeg::encoder::find_by_name("libx264")
                .or_else(|| ffmpeg::encoder::find(ffmpeg::codec::Id::MPEG4))
                .ok_or_else(|| fail("FFmpeg has neither libx264 nor an MPEG-4 encoder".into()))?,
            VideoCodec::Mjpeg => ffmpeg::encoder::find(ffmpeg::codec::Id::MJPEG)
                .ok_or_else(|| fail("FFmpeg has no Motion JPEG encoder".into()))?,
        };
        let pixel = if kind == VideoCodec::Mjpeg { Pixel::YUVJ420P } else { Pixel::YUV420P };
        let mut stream = output.add_stream(codec).map_err(|e| fail(e.into()))?;
        let mut encoder =
            ffmpeg::codec::context::Context::new_with_codec(codec).encoder().video().map_err(|e| fail(e.into()))?;
        encoder.set_width(ew);
        encoder.set_height(eh);
        encoder.set_format(pixel);
        encoder.set_time_base(WRITER_TIME_BASE);
        let rate = if fps > 0.0 { fps } else { 30.0 };
        encoder.set_frame_rate(Some(ffmpeg::Rational((rate * 1000.0).round() as i32, 1000)));
        let mut flags = ffmpeg::codec::Flags::empty();
        if global_header {
            flags |= ffmpeg::codec::Flags::GLOBAL_HEADER;
        }
        if kind == VideoCodec::Mjpeg {
            flags |= ffmpeg::codec::Flags::QSCALE;
        }
        encoder.set_flags(flags);
        // No B-frames: decode order equals display order, so the MP4 needs no edit list (which players and FFmpeg
        // honour by dropping the first frame of a variable-rate file) and seeking lands on exact frames.
        encoder.set_max_b_frames(0);
        encoder.set_gop(rate.round().max(1.0) as u32);
        let mut opts = ffmpeg::Dictionary::new();
        if kind == VideoCodec::Mjpeg {
            // Quantiser scale 5 (of 2–31): no visible loss at 720p, about 70 kB a frame (2 MB/s at 30 fps).
            encoder.set_global_quality(5 * ffmpeg::ffi::FF_QP2LAMBDA);
        } else if codec.name() == "libx264" {
            opts.set("preset", "veryfast");
            opts.set("crf", "23");
        } else {
            encoder.set_bit_rate(8_000_000);
        }
        let encoder = encoder
            .open_with(opts)
            .map_err(|e| fail(format!("the {} encoder could not start: {e}", codec.name()).into()))?;
        stream.set_parameters(&encoder);
        stream.set_time_base(WRITER_TIME_BASE);
        let mut header = ffmpeg::Dictionary::new();
        if kind == VideoCodec::Mjpeg {
            header.set("flush_packets", "1");
            header.set("cluster_time_limit", RECORDING_CLUSTER_MS);
        }
        output.write_header_with(header).map_err(|e| fail(e.into()))?;
        let stream_time_base = output.stream(0).map_or(WRITER_TIME_BASE, |s| s.time_base());
        let scaler = scaling::Context::get(Pixel::RGB24, ew, eh, pixel, ew, eh, scaling::Flags::BILINEAR)
            .map_err(|e| fail(e.into()))?;
        let interval_ms = (1000.0 / rate).round().max(1.0) as i64;
        let sync_handle = std::fs::File::open(&path).ok();
        Ok(Self {
            path,
            output,
            encoder,
            scaler,
            width: ew,
            height: eh,
            stream_time_base,
            last_pts: None,
            interval_ms,
            sync_handle,
        })
    }

    /// Appends a frame shown at `t` seconds. Frames larger than the writer's size are cropped to it.
    pub fn write(&mut self, image: &RgbImage, t: f64) -> Result<(), CaptureError> {
        let mut rgb = ffmpeg::frame::Video::new(Pixel::RGB24, self.width, self.height);
        let stride = rgb.stride(0);
        let row = self.width as usize * 3;
        let src_row = image.width() as usize * 3;
        let raw = image.as_raw();
        let data = rgb.data_mut(0);
        for y in 0..(self.height.min(image.height()) as usize) {
            let n = row.min(src_row);
            data[y * stride..y * stride + n].copy_from_slice(&raw[y * src_row..y * src_row + n]);
        }
        let mut yuv = ffmpeg::frame::Video::empty();
        self.scaler.run(&rgb, &mut yuv).map_err(|e| self.error(e))?;
        let mut pts = (t * 1000.0).round() as i64;
        if let Some(last) = self.last_pts {
            pts = pts.max(last + 1);
        }
        self.last_pts = Some(pts);
        yuv.set_pts(Some(pts));
        self.encoder.send_frame(&yuv).map_err(|e| self.error(e))?;
        self.drain()
    }

    fn error(&self, e: ffmpeg::Error) -> CaptureError {
        CaptureError::Write { path: self.path.clone(), source: e.into() }
    }

    fn drain(&mut self) -> Result<(), CaptureError> {
        let mut packet = ffmpeg::Packet::empty();
        while self.encoder.receive_packet(&mut packet).is_ok() {
            packet.set_stream(0);
            packet.set_duration(self.interval_ms);
            packet.rescale_ts(WRITER_TIME_BASE, self.stream_time_base);
            packet.write_interleaved(&mut self.output).map_err(|e| self.error(e))?;
        }
        Ok(())
    }

    /// The frame size written (the size given, rounded down to even).
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Asks the operating system to put what was written so far on the disk (survives a power cut, not only a
    /// killed process).
    pub fn sync(&self) -> Result<(), CaptureError> {
        match &self.sync_handle {
            Some(f) => f.sync_data().map_err(|e| CaptureError::Write { path: self.path.clone(), source: e.into() }),
            None => Ok(()),
        }
    }

    /// Flushes the encoder and closes the file. Without this an MP4 is unplayable (a Matroska recording stays
    /// readable, without its seek index).
    pub fn finish(mut self) -> Result<PathBuf, CaptureError> {
        self.encoder.send_eof().map_err(|e| self.error(e))?;
        self.drain()?;
        self.output.write_trailer().map_err(|e| self.error(e))?;
        Ok(self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: i32 = 1 << 16;

    #[test]
    fn display_matrix_rotations() {
        // Identity.
        assert_eq!(rotation_from_display_matrix(&[ONE, 0, 0, 0, ONE, 0, 0, 0, 1 << 30]), 0);
        // A phone filming upright: ffprobe reports "rotation of -90.00 degrees" and ffmpeg turns frames clockwise.
        assert_eq!(rotation_from_display_matrix(&[0, ONE, 0, -ONE, 0, 0, 0, 0, 1 << 30]), 90);
        assert_eq!(rotation_from_display_matrix(&[0, -ONE, 0, ONE, 0, 0, 0, 0, 1 << 30]), 270);
        assert_eq!(rotation_from_display_matrix(&[-ONE, 0, 0, 0, -ONE, 0, 0, 0, 1 << 30]), 180);
        assert_eq!(rotation_from_display_matrix(&[0; 9]), 0);
    }
}
