//! runpose-capture: frame sources and recording, and marker files (C3D, TRC) as a source of poses. Video files are decoded with FFmpeg (frame threading on), turned
//! upright from their rotation metadata and time-stamped from the stream; a capture thread hands frames on through a
//! bounded channel.

pub mod atomic;
pub mod clip;
pub mod live;
pub mod markers;
pub mod video;

use std::path::PathBuf;
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, bounded};
use image::RgbImage;

pub use video::{SeekableVideo, VideoCodec, VideoInfo, VideoReader, VideoWriter};

/// One decoded frame: its position in the source, its time stamp (seconds from the first frame) and its pixels as
/// displayed.
#[derive(Debug, Clone)]
pub struct Frame {
    pub index: usize,
    pub t: f64,
    pub image: RgbImage,
}

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("{0} does not exist: check the path")]
    NotFound(PathBuf),
    #[error("{path} could not be opened as a video ({source}): is it a video file, and complete?")]
    NotAVideo { path: PathBuf, source: BoxError },
    #[error("{0} has no video stream: give a video file")]
    NoVideoStream(PathBuf),
    #[error("{path} uses a video format this FFmpeg cannot decode ({source}): convert it to H.264 MP4 first")]
    Unsupported { path: PathBuf, source: BoxError },
    #[error(
        "{what} ({source}): check that it is plugged in and not used by another program, then retry, or open a video"
    )]
    Camera { what: String, source: BoxError },
    /// A file of a clip (manifest, poses, video) that cannot be read as it is; says why.
    #[error("{path}: {source}")]
    Read { path: PathBuf, source: BoxError },
    #[error("{0} is still being recorded: stop that recording first")]
    StillRecording(PathBuf),
    #[error("{0}: the recording holds no whole frame")]
    NoWholeFrame(PathBuf),
    #[error("{path}: only {written} of {frames} frames could be copied")]
    PartialCopy { path: PathBuf, written: usize, frames: usize },
    #[error("{path}: {source}; it is kept as it is, and saving will ask before replacing it")]
    UnreadableMarkup { path: PathBuf, source: BoxError },
    #[error("could not write {path}: {source}")]
    Write { path: PathBuf, source: BoxError },
    #[error("a thread could not be started ({0}): the system is short of resources; close other programs and retry")]
    Thread(#[source] std::io::Error),
}

/// The error an error variant keeps as its source: the library's own (io, FFmpeg, csv, JSON), or a sentence where
/// there is none underneath.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What `spawn_decoder` returns: the video's facts, its frames as they are decoded, and the decoding thread (joining
/// it gives why the file ended early, if it did).
pub type Decoder = (VideoInfo, Receiver<Result<Frame, CaptureError>>, JoinHandle<Option<String>>);

/// Opens `path` and decodes it on its own thread (FFmpeg's contexts cannot move between threads, so the reader
/// lives there). At most `capacity` frames wait in the channel, so a slow consumer slows decoding instead of filling
/// memory. The thread ends at the end of the video or when the receiver is dropped; joining it gives the reader's
/// `damage()`: why the file ended early, if it did.
pub fn spawn_decoder(path: impl Into<PathBuf>, capacity: usize) -> Result<Decoder, CaptureError> {
    let path = path.into();
    let (info_tx, info_rx) = bounded(1);
    let (tx, rx) = bounded(capacity.max(1));
    let handle = std::thread::Builder::new()
        .name("runpose-decode".into())
        .spawn(move || {
            let mut reader = match VideoReader::open(&path) {
                Ok(r) => r,
                Err(e) => {
                    let _ = info_tx.send(Err(e));
                    return None;
                }
            };
            let _ = info_tx.send(Ok(reader.info().clone()));
            while let Some(item) = reader.next_frame().transpose() {
                let failed = item.is_err();
                if tx.send(item).is_err() || failed {
                    break;
                }
            }
            reader.damage().map(str::to_string)
        })
        .map_err(CaptureError::Thread)?;
    // The thread sends the opening's outcome before anything else; a closed channel means it ended without one.
    let info = info_rx.recv().map_err(|_| CaptureError::Thread(std::io::Error::other("the decode thread ended")))??;
    Ok((info, rx, handle))
}
