//! Making a cut-off recording whole: the frames with both picture and pose kept, the video given its index again.

use std::fs::File;
use std::path::Path;

use ffmpeg_next as ffmpeg;

use super::poses::{read_pose_rows, write_pose_rows};
use super::{ClipManifest, ClipStatus, LOCK_FILE, POSES_FILE, VIDEO_FILE, open_clip, read_error, write_manifest};
use crate::{BoxError, CaptureError};

/// Counts the frames of a clip's video that can be read back (packets whole and uncorrupted).
fn count_video_frames(path: &Path) -> Result<usize, CaptureError> {
    crate::video::init_ffmpeg();
    let input = ffmpeg::format::input(path).map_err(|e| read_error(path, e))?;
    let stream = input
        .streams()
        .best(ffmpeg::media::Type::Video)
        .ok_or_else(|| CaptureError::NoVideoStream(path.to_path_buf()))?;
    let index = stream.index();
    let mut input = input;
    Ok(input.packets().filter(|(s, p)| s.index() == index && !p.is_corrupt()).count())
}

/// Copies the first `keep` frames of `from` into `to` (no re-encoding), so the new file has its index.
fn remux(from: &Path, to: &Path, keep: usize) -> Result<usize, CaptureError> {
    crate::video::init_ffmpeg();
    let fail = |e: BoxError| CaptureError::Write { path: to.to_path_buf(), source: e };
    let mut input = ffmpeg::format::input(from).map_err(|e| read_error(from, e))?;
    let ist = input
        .streams()
        .best(ffmpeg::media::Type::Video)
        .ok_or_else(|| CaptureError::NoVideoStream(from.to_path_buf()))?;
    let (index, in_tb, params) = (ist.index(), ist.time_base(), ist.parameters());
    let mut output = ffmpeg::format::output(to).map_err(|e| fail(e.into()))?;
    let mut ost = output.add_stream(ffmpeg::encoder::find(ffmpeg::codec::Id::None)).map_err(|e| fail(e.into()))?;
    ost.set_parameters(params);
    // SAFETY: the stream's codec parameters were just copied from the input; a zero tag lets the muxer choose its own.
    unsafe {
        (*ost.parameters().as_mut_ptr()).codec_tag = 0;
    }
    output.write_header().map_err(|e| fail(e.into()))?;
    let out_tb = output.stream(0).map_or(in_tb, |s| s.time_base());
    let mut written = 0;
    for (stream, mut packet) in input.packets() {
        if stream.index() != index || packet.is_corrupt() {
            continue;
        }
        if written == keep {
            break;
        }
        packet.set_stream(0);
        packet.rescale_ts(in_tb, out_tb);
        packet.set_position(-1);
        packet.write_interleaved(&mut output).map_err(|e| fail(e.into()))?;
        written += 1;
    }
    output.write_trailer().map_err(|e| fail(e.into()))?;
    Ok(written)
}

/// What `recover` kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovery {
    pub video_frames: usize,
    pub pose_frames: usize,
    /// Frames in the recovered clip: those with both their picture and their pose.
    pub frames: usize,
    pub manifest: ClipManifest,
}

/// Makes a cut-off recording whole: keeps the frames that have both their picture and their pose, gives the video its
/// index again (copying it, then replacing the original only once the copy is complete), rewrites poses.csv to match,
/// and marks the manifest recovered. The analysis files are the app's to write; the state stays "recording" until
/// then.
pub fn recover(dir: &Path) -> Result<Recovery, CaptureError> {
    let mut manifest = match open_clip(dir)? {
        ClipStatus::Interrupted(m) => m,
        ClipStatus::InProgress(_) => {
            return Err(CaptureError::StillRecording(dir.to_path_buf()));
        }
        ClipStatus::Complete(m) => m,
    };
    let video_path = dir.join(VIDEO_FILE);
    let video_frames = count_video_frames(&video_path)?;
    let rows = read_pose_rows(&dir.join(POSES_FILE))?;
    let poses = &rows.frames;
    let frames = video_frames.min(poses.len());
    if frames == 0 {
        return Err(CaptureError::NoWholeFrame(dir.to_path_buf()));
    }
    let tmp = dir.join(format!(".{VIDEO_FILE}.recovering.mkv"));
    let written = remux(&video_path, &tmp, frames)?;
    if written != frames {
        let _ = std::fs::remove_file(&tmp);
        return Err(CaptureError::PartialCopy { path: video_path, written, frames });
    }
    File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| CaptureError::Write { path: tmp.clone(), source: e.into() })?;
    // The poses first: the recording's own poses.csv is replaced only by a complete copy.
    write_pose_rows(&dir.join(POSES_FILE), &poses[..frames], &rows.analysed[..frames])?;
    std::fs::rename(&tmp, &video_path)
        .map_err(|e| CaptureError::Write { path: video_path.clone(), source: e.into() })?;
    manifest.recovered = true;
    manifest.frames = frames;
    manifest.duration_s = poses[frames - 1].t - poses[0].t;
    write_manifest(dir, &manifest)?;
    let _ = std::fs::remove_file(dir.join(LOCK_FILE));
    Ok(Recovery { video_frames, pose_frames: poses.len(), frames, manifest })
}
