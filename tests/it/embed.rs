//! The embedding model loads from the set-up's install and gives real sentence vectors.

use chorus_core::vectors::cosine;
use chorus_embed::{load_query_model, resolve_model_dir, Model};

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

#[test]
fn vectors_match_sentence_transformers() {
    // the first 8 dimensions of sentence-transformers 3.0.1's normalised vectors for these
    // sentences (all-MiniLM-L6-v2, torch 2.4.0, CPU): a wrong forward, pooling or tokenization
    // (the third sentence has accents, an apostrophe and a dash) moves them by far more than
    // float noise
    let expected: [(&str, [f32; 8]); 3] = [
        (
            "We should keep working from home a few days a week.",
            [
                -0.025456, -0.051806, 0.046936, 0.003561, 0.037544, -0.023194, -0.03979, -0.095139,
            ],
        ),
        (
            "The bus timetable changes every winter.",
            [
                -0.003942, -0.02456, 0.078566, 0.038084, -0.005212, 0.051533, -0.068831, -0.038982,
            ],
        ),
        (
            "Café owners in Zürich can't find staff — wages are too low!",
            [
                0.034163, 0.040419, 0.072073, 0.053667, 0.017514, 0.029199, -0.028742, -0.031536,
            ],
        ),
    ];
    let dir =
        resolve_model_dir(None).expect("the set-up (`bash .ci/setup`) installs all-MiniLM-L6-v2");
    let texts: Vec<&str> = expected.iter().map(|(t, _)| *t).collect();
    // one instance and two, batched together and one by one: the same vectors
    for (instances, batch) in [(1, 3), (2, 1)] {
        let model = Model::load(&dir, instances).expect("the model loads");
        let v = model.encode(&texts, batch).expect("the model encodes");
        for ((text, want), got) in expected.iter().zip(&v) {
            for (d, (w, g)) in want.iter().zip(got).enumerate() {
                assert!(
                    (w - g).abs() < 1e-4,
                    "{text:?}, dimension {d}: sentence-transformers gives {w}, chorus {g} ({instances} instances, batch {batch})"
                );
            }
        }
    }
}

#[test]
fn the_query_model_in_eight_bits_stays_near_the_float_model() {
    let dir =
        resolve_model_dir(None).expect("the set-up (`bash .ci/setup`) installs all-MiniLM-L6-v2");
    let float = Model::load(&dir, 1).expect("the model loads");
    let int8 = load_query_model(&dir, 2, 1).expect("the query model loads");
    let texts = [
        "housing rent",
        "remote working from home",
        "Café owners in Zürich can't find staff — wages are too low!",
        "climate police youth 17",
        "What should we keep after the pandemic?",
    ];
    let (f, q) = (
        float.encode(&texts, 8).unwrap(),
        int8.encode(&texts, 2).unwrap(),
    );
    for ((text, a), b) in texts.iter().zip(&f).zip(&q) {
        let c = cosine(a, b);
        assert!(
            c > 0.99,
            "{text:?}: cosine {c} between the float and 8-bit vectors"
        );
        assert!(c < 1.0 - 1e-7, "{text:?}: the 8-bit model ran in floats");
    }
    // the nearest of the float vectors is the same for every query
    for (i, b) in q.iter().enumerate() {
        let best = (0..f.len())
            .max_by(|&x, &y| cosine(b, &f[x]).total_cmp(&cosine(b, &f[y])))
            .unwrap();
        assert_eq!(best, i, "{:?}", texts[i]);
    }
}

#[test]
fn configurations_the_forward_cannot_run_are_typed_errors() {
    use chorus_embed::EmbedError;
    let dir =
        resolve_model_dir(None).expect("the set-up (`bash .ci/setup`) installs all-MiniLM-L6-v2");
    let config = std::fs::read_to_string(dir.join("config.json")).unwrap();
    let pooling = std::fs::read_to_string(dir.join("1_Pooling/config.json")).unwrap();
    let cases = [
        (
            "config.json",
            config.replace("\"hidden_act\": \"gelu\"", "\"hidden_act\": \"gelu_new\""),
            "hidden_act",
        ),
        (
            "1_Pooling/config.json",
            pooling.replace(
                "\"pooling_mode_cls_token\": false",
                "\"pooling_mode_cls_token\": true",
            ),
            "pooling_mode_*",
        ),
        (
            "config_sentence_transformers.json",
            r#"{"prompts": {"query": "query: "}, "default_prompt_name": "passage"}"#.to_string(),
            "default_prompt_name",
        ),
    ];
    for (file, text, setting) in cases {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("1_Pooling")).unwrap();
        for f in [
            "config.json",
            "model.safetensors",
            "tokenizer.json",
            "modules.json",
            "1_Pooling/config.json",
            "sentence_bert_config.json",
            "config_sentence_transformers.json",
        ] {
            if f == file {
                std::fs::write(tmp.path().join(f), &text).unwrap();
            } else {
                std::os::unix::fs::symlink(dir.join(f), tmp.path().join(f)).unwrap();
            }
        }
        match Model::load(tmp.path(), 1) {
            Err(e @ EmbedError::Unsupported { setting: s, .. }) if s == setting => {
                assert!(e.to_string().contains(file), "{e}")
            }
            Err(e) => panic!("{file}: expected an unsupported {setting}, got {e}"),
            Ok(_) => panic!("{file}: a model chorus cannot run loaded"),
        }
    }
}
