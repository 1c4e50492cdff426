//! Embeds the lines of a text file with chorus's model and saves the vectors as a `.npy`
//! matrix (float32, row i = line i), to compare with sentence-transformers' vectors of the same
//! file (`benches/compare/embed_speed.py --save-vectors`).
//!
//! Usage: `cargo run --release --example embed_lines -- TEXTS OUT.npy [INSTANCES [INTRA [BATCH]]]`
//! (defaults 2 instances, 1 libtorch thread each, batch 16; the model as `chorus embed` finds
//! it). Lines are split as `embed_speed.py` splits them: on "\n", a final "\r" dropped, no
//! empty last line. Prints the texts/s of the encoding (after the model is loaded).

use std::io::Write as _;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [texts, out, rest @ ..] = args.as_slice() else {
        anyhow::bail!("usage: embed_lines TEXTS OUT.npy [INSTANCES [INTRA [BATCH]]]");
    };
    let num = |i: usize, default: usize| -> anyhow::Result<usize> {
        Ok(rest
            .get(i)
            .map(|s| s.parse())
            .transpose()?
            .unwrap_or(default))
    };
    let (instances, intra, batch) = (num(0, 2)?, num(1, 1)?, num(2, 16)?);
    let text = std::fs::read_to_string(texts)?;
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    let lines: Vec<&str> = lines
        .into_iter()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let dir = std::env::var_os("EMBED_MODEL_DIR").map(std::path::PathBuf::from);
    let dir = chorus_embed::resolve_model_dir(dir.as_deref())?;
    let mut model = chorus_embed::Model::load_with(&dir, instances, intra)?;
    if std::env::var_os("EMBED_INT8").is_some() {
        model = model.quantized()?;
    }
    let t0 = std::time::Instant::now();
    let vectors = model.encode(&lines, batch)?;
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "{} texts in {secs:.2} s: {:.1} texts/s ({instances} instances x {intra} threads, batch {batch})",
        lines.len(),
        lines.len() as f64 / secs
    );
    let dim = vectors.first().map_or(0, Vec::len);
    let mut header = format!(
        "{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {dim}), }}",
        vectors.len()
    );
    // magic, version 1.0, header length; the header padded with spaces to a multiple of 64
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut f = std::io::BufWriter::new(std::fs::File::create(out)?);
    f.write_all(b"\x93NUMPY\x01\x00")?;
    f.write_all(&(header.len() as u16).to_le_bytes())?;
    f.write_all(header.as_bytes())?;
    for v in &vectors {
        for x in v {
            f.write_all(&x.to_le_bytes())?;
        }
    }
    f.flush()?;
    Ok(())
}
