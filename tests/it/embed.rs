//! The embedding model loads from the set-up's install and gives real sentence vectors.

use chorus::embed::{cosine, resolve_model_dir, Model};

#[test]
fn paraphrases_are_closer_than_unrelated_sentences() {
    let dir =
        resolve_model_dir(None).expect("the set-up (`bash .ci/setup`) installs all-MiniLM-L6-v2");
    let model = Model::load(&dir, 2).expect("the model loads");
    let texts = [
        "We should keep working from home a few days a week.",
        "Remote working for part of the week must stay.",
        "The bus timetable changes every winter.",
        "A cat is sleeping on the warm windowsill.",
    ];
    let v = model.encode(&texts, 8).expect("the model encodes");
    assert_eq!(v.len(), 4);
    assert!(
        v.iter().all(|x| x.len() == 384),
        "all-MiniLM-L6-v2 gives 384 dimensions"
    );
    let norm: f32 = v[0].iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!(
        (norm - 1.0).abs() < 1e-3,
        "vectors are normalised, found norm {norm}"
    );
    let para = cosine(&v[0], &v[1]);
    assert!(para > 0.5, "paraphrases should be close, found {para}");
    assert!(para > cosine(&v[0], &v[2]) + 0.3);
    assert!(para > cosine(&v[2], &v[3]) + 0.3);
    // the batch order does not change a vector
    let single = model.encode(&texts[1..2], 1).unwrap();
    assert!(cosine(&single[0], &v[1]) > 0.9999);
}
