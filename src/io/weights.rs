//! Reading and writing tensors as safetensors files: checkpoints and the
//! `check --export` file.
//!
//! A safetensors file is an 8-byte little-endian header length, a JSON
//! header naming each tensor with its dtype, shape and byte range, then the
//! tensors' bytes, little-endian, row-major. PyTorch reads it with
//! `safetensors.torch.load_file`. This module knows three dtypes, `F32`,
//! `F64` and `I64`; a scalar has shape `[]`.
//!
//! [`save`] is atomic: it writes a temporary file next to the target, syncs
//! it to disk, then renames it over the target, so an interrupted save never
//! leaves a truncated file behind. [`load`] says plainly what is wrong with a
//! file it cannot read, and [`take`] what is wrong with a tensor.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use ndarray::{Array, ArrayD, Dimension, IxDyn};
use safetensors::tensor::{Metadata, TensorInfo};
use safetensors::{Dtype, SafeTensorError, SafeTensors, View};

use crate::error::{Error, Result};
use crate::io::atomic;

/// The largest header safetensors accepts, 100 MB.
pub const MAX_HEADER: u64 = 100_000_000;

/// A tensor as stored in a file: one of the three dtypes this crate writes.
#[derive(Clone, Debug, PartialEq)]
pub enum Tensor {
    F32(ArrayD<f32>),
    F64(ArrayD<f64>),
    I64(ArrayD<i64>),
}

impl Tensor {
    /// Wraps an array of any dimension: `Tensor::new(W1)`.
    pub fn new<A: Element, D: Dimension>(array: Array<A, D>) -> Tensor {
        A::wrap(array.into_dyn())
    }

    /// Its shape; `[]` for a scalar.
    pub fn shape(&self) -> &[usize] {
        match self {
            Tensor::F32(a) => a.shape(),
            Tensor::F64(a) => a.shape(),
            Tensor::I64(a) => a.shape(),
        }
    }

    /// Its safetensors dtype: `F32`, `F64` or `I64`.
    pub fn dtype(&self) -> Dtype {
        match self {
            Tensor::F32(_) => Dtype::F32,
            Tensor::F64(_) => Dtype::F64,
            Tensor::I64(_) => Dtype::I64,
        }
    }

    /// A copy in `f64`, whatever the dtype (exact for `F32`, and for `I64`
    /// up to 2⁵³).
    pub fn to_f64(&self) -> ArrayD<f64> {
        match self {
            Tensor::F32(a) => a.mapv(f64::from),
            Tensor::F64(a) => a.clone(),
            Tensor::I64(a) => a.mapv(|x| x as f64),
        }
    }

    /// Its elements as little-endian bytes, in row-major order: the bytes a
    /// file stores.
    pub fn to_le_bytes(&self) -> Vec<u8> {
        match self {
            Tensor::F32(a) => a.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Tensor::F64(a) => a.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Tensor::I64(a) => a.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }

    /// Reads a tensor of `dtype` and `shape` from its little-endian bytes;
    /// the error says what is wrong with it.
    fn from_le_bytes(
        name: &str,
        dtype: Dtype,
        shape: &[usize],
        data: &[u8],
    ) -> std::result::Result<Tensor, String> {
        fn array<T, const N: usize>(
            shape: &[usize],
            data: &[u8],
            from: fn([u8; N]) -> T,
        ) -> Option<ArrayD<T>> {
            let values = data
                .chunks_exact(N)
                .map(|c| from(c.try_into().expect("chunks of N bytes")))
                .collect();
            ArrayD::from_shape_vec(IxDyn(shape), values).ok()
        }
        let tensor = match dtype {
            Dtype::F32 => array(shape, data, f32::from_le_bytes).map(Tensor::F32),
            Dtype::F64 => array(shape, data, f64::from_le_bytes).map(Tensor::F64),
            Dtype::I64 => array(shape, data, i64::from_le_bytes).map(Tensor::I64),
            other => {
                return Err(format!(
                    "tensor {name} has dtype {other}, which this crate does not read \
                     (it reads F32, F64 and I64)"
                ));
            }
        };
        tensor.ok_or_else(|| {
            format!(
                "tensor {name}: {} bytes do not make a {dtype} tensor of shape {shape:?}",
                data.len()
            )
        })
    }
}

/// An element type a [`Tensor`] can hold: `f32`, `f64` or `i64`.
pub trait Element: Copy + 'static {
    /// Its safetensors dtype.
    const DTYPE: Dtype;
    /// Wraps an array of this element type.
    fn wrap(array: ArrayD<Self>) -> Tensor;
    /// Unwraps a tensor of this dtype, or hands it back.
    fn unwrap(tensor: Tensor) -> std::result::Result<ArrayD<Self>, Tensor>;
}

macro_rules! element {
    ($t:ty, $variant:ident) => {
        impl Element for $t {
            const DTYPE: Dtype = Dtype::$variant;
            fn wrap(array: ArrayD<$t>) -> Tensor {
                Tensor::$variant(array)
            }
            fn unwrap(tensor: Tensor) -> std::result::Result<ArrayD<$t>, Tensor> {
                match tensor {
                    Tensor::$variant(a) => Ok(a),
                    other => Err(other),
                }
            }
        }
    };
}
element!(f32, F32);
element!(f64, F64);
element!(i64, I64);

/// The metadata entry `key` of the file `path`, parsed; an error naming the
/// file and the entry if it is missing or does not parse.
pub(crate) fn get<T: FromStr>(
    meta: &BTreeMap<String, String>,
    key: &str,
    path: &Path,
) -> Result<T> {
    let value = meta.get(key).ok_or_else(|| Error::Checkpoint {
        path: path.to_path_buf(),
        detail: format!("metadata {key:?} is missing"),
    })?;
    value.parse().map_err(|_| Error::Checkpoint {
        path: path.to_path_buf(),
        detail: format!("metadata {key:?} = {value:?} is not a valid value"),
    })
}

/// Removes the tensor `name` from `tensors` and returns it as an array of
/// `A` (`f32`, `f64` or `i64`) of dimension `D`, if it has exactly that
/// dtype and the shape `shape`. Otherwise fails with [`Error::Checkpoint`]
/// naming the tensor and what was expected and found (`missing tensor W1`,
/// `tensor W1 has shape [30, 64], expected [30, 200]`), and leaves `tensors`
/// as it was.
///
/// ```text
/// let W1: Array2<f32> = take(&mut tensors, "W1", &[block * n_embd, n_hidden], path)?;
/// ```
pub fn take<A: Element, D: Dimension>(
    tensors: &mut BTreeMap<String, Tensor>,
    name: &str,
    shape: &[usize],
    path: &Path,
) -> Result<Array<A, D>> {
    let fail = |detail| Error::Checkpoint {
        path: path.to_path_buf(),
        detail,
    };
    let found = tensors
        .get(name)
        .ok_or_else(|| fail(format!("missing tensor {name}")))?;
    if found.dtype() != A::DTYPE {
        return Err(fail(format!(
            "tensor {name} has dtype {}, expected {}",
            found.dtype(),
            A::DTYPE
        )));
    }
    if found.shape() != shape {
        return Err(fail(format!(
            "tensor {name} has shape {:?}, expected {shape:?}",
            found.shape()
        )));
    }
    if D::NDIM.is_some_and(|rank| rank != shape.len()) {
        return Err(fail(format!(
            "tensor {name} of shape {shape:?} was asked for as a {}-dimensional array",
            D::NDIM.unwrap_or_default()
        )));
    }
    let tensor = tensors.remove(name).expect("present: just looked it up");
    let array = A::unwrap(tensor).expect("dtype checked above");
    Ok(array.into_dimensionality().expect("rank checked above"))
}

/// A tensor's bytes, ready for `safetensors::serialize`.
struct Raw {
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl View for &Raw {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> std::borrow::Cow<'_, [u8]> {
        (&self.bytes[..]).into()
    }
    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

/// Writes `tensors` and the string pairs `metadata` (the header's
/// `__metadata__`) to the safetensors file `path`, atomically: the bytes go
/// to `<name>.tmp-<pid>-<n>` in the same directory, are flushed and synced to
/// disk, and that file is renamed over `path`. Names must be unique.
pub fn save(
    path: &Path,
    tensors: Vec<(String, Tensor)>,
    metadata: BTreeMap<String, String>,
) -> Result<()> {
    let fail = |detail: String| Error::Checkpoint {
        path: path.to_path_buf(),
        detail,
    };
    let mut raw = BTreeMap::new();
    for (name, tensor) in tensors {
        let r = Raw {
            dtype: tensor.dtype(),
            shape: tensor.shape().to_vec(),
            bytes: tensor.to_le_bytes(),
        };
        if name == "__metadata__" {
            return Err(fail("__metadata__ is not a tensor name".to_string()));
        }
        if raw.insert(name.clone(), r).is_some() {
            return Err(fail(format!("cannot save two tensors named {name}")));
        }
    }
    let metadata =
        (!metadata.is_empty()).then(|| metadata.into_iter().collect::<hashbrown::HashMap<_, _>>());
    let bytes = safetensors::serialize(&raw, metadata)
        .map_err(|e| fail(format!("cannot serialise: {e}")))?;

    atomic::write(path, &bytes, fail)
}

/// Reads the safetensors file `path`: its tensors by name, and its
/// `__metadata__` (empty if it has none).
///
/// Fails with [`Error::Io`] if the file cannot be read, with
/// [`Error::Data`] if it is not a regular file or is over
/// [`crate::io::input::MAX_CHECKPOINT`] bytes, and with
/// [`Error::Checkpoint`] if it is not a safetensors file, is truncated, has a
/// header that does not parse, or holds a dtype other than F32, F64 and I64.
pub fn load(path: &Path) -> Result<(BTreeMap<String, Tensor>, BTreeMap<String, String>)> {
    let bytes = crate::io::input::read(path, "the file", crate::io::input::MAX_CHECKPOINT)?;
    let fail = |detail: String| Error::Checkpoint {
        path: path.to_path_buf(),
        detail,
    };
    let (header_len, header) = parse_header(&bytes).map_err(fail)?;
    let data = &bytes[8 + header_len..];
    let mut tensors = BTreeMap::new();
    for (name, info) in header.tensors() {
        let TensorInfo {
            dtype,
            shape,
            data_offsets: (start, end),
        } = info;
        let tensor = Tensor::from_le_bytes(&name, *dtype, shape, &data[*start..*end]);
        tensors.insert(name, tensor.map_err(fail)?);
    }
    let metadata = header.metadata().clone().unwrap_or_default();
    Ok((tensors, metadata.into_iter().collect()))
}

/// Parses and checks the header of a safetensors file held in `bytes`,
/// explaining in plain words what is wrong with a file that is not one.
fn parse_header(bytes: &[u8]) -> std::result::Result<(usize, Metadata), String> {
    let Some(len_bytes) = bytes.get(..8) else {
        return Err(format!(
            "not a safetensors file (only {} bytes; the format starts with an 8-byte header length)",
            bytes.len()
        ));
    };
    let header_len = u64::from_le_bytes(len_bytes.try_into().expect("8 bytes"));
    let header = &bytes[8..];
    if header_len > MAX_HEADER || header.first().is_some_and(|&b| b != b'{') {
        return Err(format!(
            "not a safetensors file (its first 8 bytes, read as a header length, give \
             {header_len} bytes, and no JSON header follows them)"
        ));
    }
    if header_len > header.len() as u64 {
        return Err(format!(
            "truncated: the header alone should be {header_len} bytes, but the file ends {} bytes in",
            bytes.len()
        ));
    }
    SafeTensors::read_metadata(bytes).map_err(|e| match e {
        SafeTensorError::MetadataIncompleteBuffer => format!(
            "truncated: the {} bytes after the header do not match the tensor data it \
             lists (the file was cut short, or has bytes added)",
            bytes.len() - 8 - header_len as usize
        ),
        SafeTensorError::InvalidHeader(e) => format!("the header is not UTF-8 text: {e}"),
        SafeTensorError::InvalidHeaderDeserialization(e) => {
            format!("the header does not parse as a safetensors header: {e}")
        }
        SafeTensorError::InvalidOffset(name) => {
            format!(
                "the header gives tensor {name} a byte range that does not follow the previous one"
            )
        }
        other => format!("the header is inconsistent: {other}"),
    })
}
