// Generated from notebooks/13-wav2vec2-speech-recognition.ipynb by tools/notebook-to-app.sh: edit the notebook, then regenerate.
// Run from the repository root: dotnet run apps/13-wav2vec2-speech-recognition.cs
// The notebook's cells run one after another (each begins at its `// Cell N`); what a cell shows is printed,
// and each chart is written as an HTML page whose path is printed. The native libtorch is chosen when the app is
// built (WORKBOOK_TORCH_BACKEND=cpu|cuda forces one; see apps/Directory.Build.targets).
#:project ../lib/Workbook.csproj
#:property PublishAot=false
#:property ImplicitUsings=disable
#:property Nullable=annotations

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using TorchSharp;
using static TorchSharp.torch;
using Workbook;
using System.Diagnostics;
using System.IO;
using Plotly.NET.CSharp;
using Workbook.Audio;
using Workbook.Hub;
using Workbook.Metrics;
using Workbook.Notebook;
using Workbook.Wav2Vec2;
using Workbook.Notebook.Apps;   // .Display() on the console

// # 13 · wav2vec2 speech recognition
//
// The classic snippet in Python:
//
// ```python
// processor = Wav2Vec2Processor.from_pretrained("facebook/wav2vec2-base-960h")
// model = Wav2Vec2ForCTC.from_pretrained("facebook/wav2vec2-base-960h")
// input_values = processor(audio, sampling_rate=16000, return_tensors="pt").input_values   # 1 s of 16 kHz audio
// logits = model(input_values).logits
// predicted_ids = torch.argmax(logits, dim=-1)
// transcription = processor.batch_decode(predicted_ids)
// ```
//
// This chapter transcribes real speech in C#: the real checkpoint's `model.safetensors` loaded into a wav2vec2
// written in TorchSharp (`lib/Wav2Vec2`), audio read, resampled and turned into spectrograms by `lib/Audio`
// (TorchAudio is not available for .NET; these pieces are tested against it), and every step between sound and text
// opened up.
//
// **What you will learn**
// - reading a WAV file properly, plotting the waveform, and the log-mel spectrogram as a picture of speech;
// - resampling 8 kHz audio to the 16 kHz the model needs, and why a band-limited filter matters;
// - how the convolutional feature encoder turns 16 000 samples a second into 50 frames, derived from its kernels and
//   strides;
// - CTC: from the model's per-frame choices to text — repeats merged, blanks dropped — and word timestamps for free;
// - measuring with word error rate, greedy vs beam search, and transcribing a long recording in overlapping windows;
// - what a model's training data decides: speech it has never heard a voice like;
// - the CTC loss, the starting point of fine-tuning.
//
// Without access to the hub (as on this project's CI) the chapter says so in one line and continues with the
// workbook's own small wav2vec2, `data/models/flite-wav2vec2-small`, trained here from scratch on synthesised speech.
// It writes real words for the three flite voices it was trained on, in sentences it never heard too, though many
// words carry a wrong letter; a voice it never heard defeats it. The chapter shows what it has learned and what it
// has not, next to what wav2vec2-base-960h does.

// Cell 2
// Every chapter starts with this cell. It loads the workbook library (lib/, built by the README's set-up), then
// TorchSharp, the native libtorch for this machine (CUDA when an NVIDIA GPU is present; WORKBOOK_TORCH_BACKEND=cpu|cuda
// forces either) and the library's packages at the versions the repository pins — one line of output, not a list per package.
// In the notebook: #r "../lib/bin/Workbook.dll" (here the #:project line at the top)
// Notebook only: using Microsoft.DotNet.Interactive; (an app's .Display() comes from Workbook.Notebook.Apps)
// In the notebook: await Workbook.Notebook.ChapterSetup.LoadAsync(Kernel.Root);
// An app cannot add packages while it runs: its build chose the native libtorch (apps/Directory.Build.targets).
Workbook.Notebook.AppSetup.Load();

// Cell 3
var device = Workbook.Notebook.ChapterSetup.Device;   // chosen by the first cell

// ## Getting the model
//
// `facebook/wav2vec2-base-960h` is wav2vec 2.0 base (95 M parameters): pretrained without labels on LibriSpeech
// audio, then fine-tuned with the CTC loss on its 960 hours of people reading audiobooks. The cell looks in the
// Hugging Face cache, then asks the hub.
//
// Without either it loads `data/models/flite-wav2vec2-small`, a Hugging Face folder in the same format that the
// workbook trained itself (`tools/train-small-speech.sh` on a 2-core CPU; the cell prints for how long). It is the
// same architecture — the same seven convolutions with the same kernels and strides, so the same 20 ms frames and the
// same 32 symbols — with about 2 M parameters instead of 95 M, trained from scratch (no self-supervised pretraining)
// on a few hours of speech synthesised by flite in three voices, from the King James Bible, *The Devil's Dictionary*
// and generated sentences with numbers and names. It has never heard a human voice. It went over that corpus many
// times (the cell prints how many): enough to spell what those three voices say, not enough to hear speech in general
// — two thousand sentences in three voices are a small world, and it learned that world rather than English. Its
// `provenance.json` records how it was made and how it scored on sentences it never heard, in its training voices and
// in a fourth flite voice it never heard; the cell prints those figures.

// Cell 5
const string repoId = "facebook/wav2vec2-base-960h";
var hub = new HubClient(new HubOptions { ConnectTimeout = TimeSpan.FromSeconds(5), RequestTimeout = TimeSpan.FromSeconds(5) });
Action<DownloadProgress> updateBar = null;                               // the bar appears with the first byte: a cached model shows none
var progress = new Progress<DownloadProgress>(p =>
{
    if (updateBar is null) { var shown = p.ToProgressBar().Display(); updateBar = q => shown.Update(q.ToProgressBar()); }
    else updateBar(p);
});
var snapshot = await hub.FindOrDownloadAsync(repoId, SpeechRecognizer.CheckpointFiles, progress: progress);   // cache, else hub, else none
var isRealModel = snapshot.IsAvailable;
var shippedFolder = Path.GetFullPath(Path.Combine("..", "data", "models", "flite-wav2vec2-small"));
SpeechRecognizer recognizer;
if (isRealModel)
{
    Console.WriteLine(snapshot.Message);
    recognizer = SpeechRecognizer.FromFolder(snapshot.Folder!, device);
}
else
{
    Console.WriteLine($"{snapshot.Message} Using the workbook's own small model instead ({shippedFolder}): " +
                      "trained here on synthesised speech, not wav2vec2-base-960h.");
    recognizer = SpeechRecognizer.FromFolder(shippedFolder, device);
    var provenance = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(shippedFolder,
        SpeechRecognizerTraining.ProvenanceFile)))!;
    var (corpus, training, evaluation) = (provenance["corpus"]!, provenance["training"]!, provenance["evaluation"]!);
    string Voices(System.Text.Json.Nodes.JsonNode split) => string.Join(", ", split["voices"]!.AsArray().Select(v => (string)v!));
    Console.WriteLine($"Trained on {corpus["train"]!["utterances"]} utterances ({corpus["train"]!["hours"]} h, " +
                      $"voices {Voices(corpus["train"]!)}) " +
                      $"for {training["steps"]} steps ({(double)training["epochs"]!:F1} passes over them), " +
                      $"{training["wall_minutes"]} min on " +
                      $"{provenance["machine"]!["logical_processors"]} cores; final training loss " +
                      $"{(double)training["final_loss"]!:F3} per symbol.");
    foreach (var split in new[] { "heldout-sentences", "heldout-voice" })
        Console.WriteLine($"  {split} ({evaluation[split]!["utterances"]} utterances, voices {Voices(evaluation[split]!)}): " +
                          $"WER {(double)evaluation[split]!["wer"]!:P1}, CER {(double)evaluation[split]!["cer"]!:P1}");
}
var model = recognizer.Model;
var config = model.Config;
Console.WriteLine($"{config.LayerCount} layers, width {config.HiddenSize}, {config.VocabSize} output symbols: " +
                  $"{model.parameters().Sum(p => p.numel()):N0} parameters");

// ## A clip
//
// `data/speech/` holds six short utterances with transcripts: LibriVox readings of *Sense and Sensibility* and
// sentences synthesised by flite (see `data/README.md`); `data/speech/heldout/` holds nine more flite sentences that
// the small model never heard. `WavFile.Read` walks the file's RIFF chunks rather than assuming the common 44-byte
// header — real files carry `LIST`, `fact` or `cue` chunks — and refuses compressed codecs (µ-law, ADPCM, MP3-in-WAV)
// with a message instead of returning noise. The walk-through below uses a flite sentence, which both models can
// read; the LibriVox readings come back in the section on error rates.

// Cell 7
var speechFolder = Path.GetFullPath(Path.Combine("..", "data", "speech"));
var transcripts = File.ReadAllLines(Path.Combine(speechFolder, "transcripts.tsv")).Skip(1)
    .Select(line => line.Split('\t')).ToDictionary(f => f[0], f => f[1]);
var clip = WavFile.Read(Path.Combine(speechFolder, "flite-slt-weather.wav"));
var reference = transcripts["flite-slt-weather.wav"];
Console.WriteLine($"{clip}; transcript: {reference}");

double[] Seconds(int count, int rate, int every) => [.. Enumerable.Range(0, count / every).Select(i => (double)i * every / rate)];
float[] Every(float[] samples, int every) => [.. Enumerable.Range(0, samples.Length / every).Select(i => samples[i * every])];
Chart.Line<double, float, string>(x: Seconds(clip.FrameCount, clip.SampleRate, 8), y: Every(clip.Channels[0], 8), Name: "waveform")
     .WithXAxisStyle<double, double, string>(TitleText: "seconds")
     .WithYAxisStyle<double, double, string>(TitleText: "amplitude")
     .Titled(reference).Display();

// ## The log-mel spectrogram
//
// A spectrogram shows which frequencies are loud when: short overlapping windows (25 ms, every 10 ms), a Fourier
// transform of each, their power. The **mel** scale then pools the frequencies the way hearing resolves them — finely
// at low pitch, coarsely at high — and the logarithm (decibels) matches loudness perception. This is the classic
// input of speech models (Whisper's, for one); wav2vec2 instead learns its own from the raw waveform, as the next
// sections show. `MelSpectrogram` matches torchaudio's to 1e-10 (tests in `tests/Workbook.Tests/Audio`).

// Cell 9
var melSpectrogram = new MelSpectrogram { SampleRate = 16000, NFft = 400, HopLength = 160, MelBands = 80 };
var logMel = MelSpectrogram.ToDecibels(melSpectrogram.Compute(clip.ToTensor()[0]), topDb: 80);
var (bands, frames) = ((int)logMel.shape[0], (int)logMel.shape[1]);
var values = logMel.to(ScalarType.Float64).data<double>().ToArray();
var cells = new double[bands, frames];
for (var b = 0; b < bands; b++) for (var f = 0; f < frames; f++) cells[b, f] = values[b * frames + f];
// hop 160 samples at 16 kHz: 10 ms a frame
Charts.Spectrogram(cells, [.. Enumerable.Range(0, frames).Select(f => f * 160.0 / 16000)],
                   [.. Enumerable.Range(0,
                       bands).Select(b => MelSpectrogram.MelToHertz(MelSpectrogram.HertzToMel(8000, MelScale.Htk) * (b + 1) / (bands + 1),
                                                                    MelScale.Htk))],
                   $"log-mel spectrogram (dB), {bands} mel bands, each at its centre frequency").Display();

// Vowels show as stacks of horizontal bands (the harmonics of the voice), fricatives like *s* as noise high up, and
// pauses as dark columns.
//
// ## Resampling
//
// The model was trained on 16 kHz audio and only understands that rate. `flite-kal-8khz.wav` is 8 kHz. Resampling to
// 16 kHz means computing the samples in between; a **band-limited** (windowed-sinc) filter does it without inventing
// frequencies — an 8 kHz recording has nothing above 4 kHz, and neither does its 16 kHz version. Going down (48 kHz →
// 16 kHz) the same filter removes what the lower rate cannot hold, which would otherwise fold back as false tones
// (aliasing). `Resampler` uses torchaudio's method and matches it to 1e-12.

// Cell 11
var narrow = WavFile.Read(Path.Combine(speechFolder, "flite-kal-8khz.wav"));
var upsampled = Resampler.Resample(narrow, 16000);
Console.WriteLine($"before: {narrow}");
Console.WriteLine($"after:  {upsampled}");
var spectrum = torch.fft.rfft(upsampled.ToTensor()[0].to(ScalarType.Float64)).abs();
var bins = spectrum.shape[0];
var energyAbove4k = spectrum[(int)(bins / 2)..].pow(2).sum().item<double>() / spectrum.pow(2).sum().item<double>();
Console.WriteLine($"share of the energy above 4 kHz after resampling: {energyAbove4k:E1}");

// ## From samples to frames
//
// The feature encoder is seven 1-D convolutions. Each output sample of a layer sees `kernel` inputs and the layers
// move `stride` inputs per output, so the strides multiply to the **hop** between frames and the kernels grow the
// **receptive field**:

// Cell 13
var rows = new List<IReadOnlyList<string>>();
long hop = 1, field = 1;
for (var i = 0; i < config.ConvKernels.Count; i++)
{
    field += (config.ConvKernels[i] - 1) * hop;          // a kernel of k adds k − 1 steps of the current hop
    hop *= config.ConvStrides[i];
    rows.Add([$"conv {i}", $"{config.ConvKernels[i]}", $"{config.ConvStrides[i]}", $"{hop}", $"{field} ({field / 16.0:F2} ms)"]);
}
new Table(["layer", "kernel", "stride", "hop so far (samples)", "receptive field"], rows,
    caption: $"{config.SamplesPerFrame} samples per frame = {config.SamplesPerFrame / 16.0} ms at 16 kHz: " +
             $"{16000.0 / config.SamplesPerFrame} frames per second").Display();

// So one second of audio becomes 49 frames (⌊(16000 − 400) / 320⌋ + 1), each summarising 25 ms of sound every 20 ms.
// After the transformer, each frame gets a score for each of the 32 output symbols.
//
// ## Running the model

// Cell 15
var clock = Stopwatch.StartNew();
var logits = recognizer.Logits(clip);
Console.WriteLine($"{clip.FrameCount} samples → logits [{string.Join(", ", logits.shape)}] in {clock.ElapsedMilliseconds} ms " +
                  $"(real-time factor {clock.Elapsed.TotalSeconds / clip.DurationSeconds:F3})");

// ## CTC: from frames to text
//
// Speech has no fixed number of frames per letter, so the model is trained with **CTC** (connectionist temporal
// classification): at every frame it outputs one symbol, or a **blank** (`<pad>`) meaning "nothing new here". Reading
// it back is three rules: take the best symbol per frame, merge repeated symbols, drop the blanks. The word delimiter
// `|` becomes a space. A blank between two identical letters keeps them apart — that is how CTC spells "LL".

// Cell 17
var transcript = recognizer.Decoder.Greedy(logits);
var vocabulary = recognizer.Decoder.Vocabulary;
var previous = -1;
var frameRows = new List<IReadOnlyList<string>>();
for (var f = 0; f < transcript.FrameIds.Count; f++)
{
    var id = transcript.FrameIds[f];
    var note = vocabulary.IsSilent(id) ? "blank: dropped"
             : id == previous ? "repeat: merged"
             : id == vocabulary.WordDelimiterId ? "word break"
             : "kept";
    previous = id;
    if (note != "blank: dropped" || frameRows.Count < 12) frameRows.Add([$"{f}", $"{f * 0.02:F2}", vocabulary[id], note]);
}
Console.WriteLine($"transcript: {transcript.Text}");
Console.WriteLine($"reference:  {reference}");
var blankFrames = transcript.FrameIds.Count(id => vocabulary.IsSilent(id));
var frameCount = transcript.FrameIds.Count;
// The reference needs a frame per symbol (a space is the word break |), so at most the rest can be blank.
Console.WriteLine($"{blankFrames} of {frameCount} frames are blank ({(double)blankFrames / frameCount:P0}); the reference's " +
                  $"{reference.Length} symbols leave room for at most {frameCount - reference.Length} " +
                  $"({1 - (double)reference.Length / frameCount:P0})");
new Table(["frame", "time (s)", "symbol", "CTC"], frameRows.Take(60),
          caption: "Frames after the first dozen blanks are shown only when they are not blank").Display();

// A trained CTC model's frames are mostly blank: it fires one spike per letter and stays silent in between (the line
// above the table counts the blanks of the model loaded here). How many blanks a clip can have depends on its pace:
// at 50 frames a second, a quick sentence leaves few frames to spare per letter, as this one does. The small offline
// model spikes too — a frame or two per letter, blanks between, a word break between words — and where it hesitates
// between two sounds, a spike carries the wrong letter. The spikes also tell **when** each word was said — the greedy
// decoder keeps each word's first and last frame:

// Cell 19
var timed = new List<Plotly.NET.GenericChart>
{
    Chart.Line<double, float, string>(x: Seconds(clip.FrameCount, clip.SampleRate, 8), y: Every(clip.Channels[0], 8), Name: "waveform"),
};
foreach (var word in transcript.Words)
    timed.Add(Chart.Line<double, double, string>(x: [word.StartSeconds, word.EndSeconds], y: [0.9, 0.9], Name: word.Text,
                                                 ShowMarkers: true));
Chart.Combine(timed).WithXAxisStyle<double, double, string>(TitleText: "seconds")
     .WithYAxisStyle<double, double, string>(TitleText: "amplitude (words drawn at 0.9)").Titled("Words aligned on the waveform (from " +
                                                                                                 "CTC frame indices, 20 ms each)").Display();

// ## How good is it? Word error rate
//
// WER counts the substitutions, deletions and insertions that turn the reference into the transcript, divided by the
// reference's word count (CER does the same on characters); insertions count too, so a transcript with more words
// than the reference can score above 100 %. Over the six clips of `data/speech/`, with greedy decoding and with a CTC
// **beam search** that adds up the probabilities of all frame paths spelling the same text:

// Cell 21
var werRows = new List<IReadOnlyList<string>>();
var beamChanged = 0;
foreach (var (file, text) in transcripts)
{
    var audio = WavFile.Read(Path.Combine(speechFolder, file));
    var scores = recognizer.Logits(audio);
    var greedy = recognizer.Decoder.Greedy(scores).Text;
    var beam = recognizer.Decoder.BeamSearch(scores, beamWidth: 8);
    if (beam != greedy) beamChanged++;
    werRows.Add([file, $"{ErrorRate.Words(text, greedy).Rate:P0}", $"{ErrorRate.Characters(text, greedy).Rate:P0}",
                 $"{ErrorRate.Words(text, beam).Rate:P0}", greedy]);
}
new Table(["clip", "WER greedy", "CER greedy", "WER beam", "greedy transcript"], werRows).Display();
Console.WriteLine($"beam search changed the greedy transcript of {beamChanged} of {werRows.Count} clips");

// Cell 22
// The nine held-out flite clips: sentences no model here was trained on, in the small model's training voices
// (slt, rms, kal16) and in awb, a voice it never heard.
var heldout = SpeechCorpus.Read(Path.GetFullPath(Path.Combine("..", "data", "speech", "heldout", "transcripts.tsv")), vocabulary);
foreach (var split in heldout.Utterances.GroupBy(u => u.Split))
    Console.WriteLine($"{split.Key} (voices {string.Join(", ", split.Select(u => u.Voice).Distinct())}): " +
                      $"{CtcTraining.Evaluate(recognizer, [.. split])}");
var heldoutScore = CtcTraining.Evaluate(recognizer, heldout.Utterances);
new Table(["clip", "voice", "reference", "transcript"],
          heldoutScore.Transcripts.Select(t => Table.Row(Path.GetFileName(t.Utterance.Path), t.Utterance.Voice, t.Utterance.Text,
                                                         t.Transcript))).Display();

// What these numbers say depends on the model the first cells loaded (they printed which).
//
// - **wav2vec2-base-960h** learned English from 960 hours of people reading: the model card reports 3.4 % WER on
//   LibriSpeech test-clean, and the LibriVox clips here come from the same kind of recording. flite's synthetic
//   voices are outside its training data, yet mostly readable to it.
// - **The workbook's small model** has heard nothing but three flite voices (its training figures are printed at the
//   top). A CTC model trained from random weights first sits on a plateau where it predicts the blank almost
//   everywhere and the letters by their frequency, until its convolutions learn to hear; this one left it long ago.
//   On sentences it never heard, in its training voices, most letters are right (the CER), yet one wrong letter makes
//   a wrong word, so its WER is far higher. A voice it never heard, awb, is mostly lost on it, and so are the
//   LibriVox readings (human voices, another microphone, another pace); the 8 kHz kal clip lost everything above 4
//   kHz, which its 16 kHz training audio always had. Its training loss (printed at the top, in nats per symbol) ended
//   far below what these held-out errors imply: it learned its two thousand training sentences in three voices better
//   than it learned to hear. What it lacks is what wav2vec2-base-960h got from self-supervised pretraining on
//   LibriSpeech's 960 hours before its CTC fine-tuning: convolutions that already hear many voices. Without that, a
//   from-scratch model needs many more voices and sentences than this corpus has.
//
// Beam search without a language model seldom changes the output of a well-trained CTC model: its frame distributions
// are peaked, so one path dominates (the line under the first table counts how often it did here). The small model's
// distributions are flatter, so beam search often settles on another spelling — in the table, not a better one.
//
// ## Long recordings
//
// Attention compares every frame with every other, so memory grows with the square of the length. HF's pipeline
// splits long audio into windows (`chunk_length_s`) that overlap by a stride on each side; each window is transcribed
// alone and the frames of the overlaps are dropped, so every kept frame saw context on both sides. Here all six clips
// joined into one recording, in 4 s windows with 1 s strides:

// Cell 24
var joined = transcripts.Keys.Select(f => recognizer.Prepare(WavFile.Read(Path.Combine(speechFolder,
    f))).Channels[0]).SelectMany(s => s).ToArray();
var recording = new AudioClip(16000, joined);
var chunks = SpeechRecognizer.Chunks(recording.FrameCount, 4 * 16000, 16000);
clock.Restart();
var longTranscript = recognizer.TranscribeLong(recording, chunkSeconds: 4, strideSeconds: 1);
Console.WriteLine($"{recording.DurationSeconds:F1} s in {chunks.Count} windows: {clock.Elapsed.TotalSeconds:F2} s; " +
                  "WER against the joined transcripts " +
                  $"{ErrorRate.Words(string.Join(' ', transcripts.Values), longTranscript.Text).Rate:P0}");
longTranscript.Text.Display();

// ## The CTC loss: where fine-tuning starts
//
// Training uses the same idea backwards: the **CTC loss** sums the probability of every frame path that collapses to
// the reference text, and its gradient pushes the model toward them. TorchSharp has it as `nn.functional.ctc_loss`.
// Fine-tuning the output layer on this one clip (the rest frozen) for a few Adam steps — a toy, but the loop is the
// one a real fine-tuning run uses, with a dataset instead of one clip:

// Cell 26
int[] TargetIds(string text) => [.. text.Replace(' ',
    '|').Select(c => Enumerable.Range(0, vocabulary.Count).First(i => vocabulary[i] == c.ToString()))];
var targets = torch.tensor(TargetIds(reference).Select(i => (long)i).ToArray()).unsqueeze(0);
var (inputValues, _) = recognizer.FeatureExtractor.Prepare([clip]);
foreach (var (name, parameter) in model.named_parameters()) parameter.requires_grad = name.StartsWith("lm_head.", StringComparison.Ordinal);
var optimizer = torch.optim.Adam(model.parameters().Where(p => p.requires_grad), lr: 1e-3);
var losses = new List<double>();
for (var step = 0; step < 8; step++)
{
    using var scope = torch.NewDisposeScope();
    optimizer.zero_grad();
    var logProbs = model.forward(inputValues, null).log_softmax(-1).transpose(0, 1);   // [frames, batch, vocab], as ctc_loss wants
    var loss = nn.functional.ctc_loss(logProbs, targets, torch.tensor(new long[] { logProbs.shape[0] }),
                                      torch.tensor(new long[] { targets.shape[1] }),
                                      blank: vocabulary.BlankId);
    loss.backward();
    optimizer.step();
    losses.Add(loss.item<float>());
}
foreach (var p in model.parameters()) p.requires_grad = true;
Console.WriteLine($"{targets.shape[1]} target symbols over {inputValues.shape[1] / config.SamplesPerFrame} frames; CTC loss per step: " +
                  string.Join(" → ", losses.Select(l => l.ToString("F3"))));

// The loss is −log of the probability of all alignments of the reference, divided by its length. It falls step by
// step; on a real dataset the same loop, run over many clips and usually over the whole network at a small learning
// rate, is how wav2vec2-base-960h was fine-tuned from self-supervised pre-training; run over the whole network from
// random weights, on thousands of synthesised clips, it is how `tools/train-small-speech.sh` trained the small model.
// (The model object is now slightly changed by these steps; reload it to get the original back.)
//
// ## Exercises
//
// 1. Read `flite-slt-weather.wav`, write it back as 8-bit PCM with `WavFile.Write`, and transcribe both. How much
//    does 8-bit quantisation cost?
//    <details><summary>Hint</summary>
//
//    ```csharp
//    var weather = WavFile.Read(Path.Combine(speechFolder, "flite-slt-weather.wav"));
//    var eightBitPath = Path.Combine(Path.GetTempPath(), "weather-8bit.wav");
//    WavFile.Write(eightBitPath, weather, WavSampleFormat.Pcm8);
//    var eightBit = WavFile.Read(eightBitPath);
//    ```
//    Transcribe both with `recognizer.Transcribe(...)` and score each with
//    `ErrorRate.Words(transcripts["flite-slt-weather.wav"], text)`. 8-bit PCM has 256 levels: its rounding noise is
//    about 50 dB below a full-scale sine, and much closer to quiet passages. Also measure the noise itself: the
//    difference of the two clips' samples. Half of the small offline model's training batches had white noise added
//    (15–40 dB below the speech), so a little quantisation noise may leave its transcript unchanged.
//    </details>
// 2. Compute the log-mel spectrogram with `Scale = MelScale.Slaney, SlaneyNormalization = true` (librosa's and
//    Whisper's convention). What changes in the picture?
//    <details><summary>Hint</summary>
//
//    `var slaney = melSpectrogram with { Scale = MelScale.Slaney, SlaneyNormalization = true };`, then the same
//    `ToDecibels` and heatmap, with `MelScale.Slaney` in the band labels too (they are computed from the scale). The
//    Slaney scale is linear below 1 kHz and logarithmic above, so the band centres move; the normalisation divides
//    each triangular filter by half its width in hertz, so the wide high bands no longer collect more energy than the
//    narrow low ones: the upper part of the picture gets darker relative to the lower.
//    </details>
// 3. Fine-tune on two clips at once: a padded batch from `FeatureExtractor.Prepare([clipA, clipB])` with its
//    attention mask, target lengths per row, and `ctc_loss` over the batch. Why must the input lengths come from the
//    mask?
//    <details><summary>Hint</summary>
//
//    `var (values, mask) = recognizer.FeatureExtractor.Prepare([clipA, clipB]);` (both at 16 kHz: pass them through
//    `recognizer.Prepare`), `model.forward(values, mask).log_softmax(-1).transpose(0, 1)`, targets padded into one
//    int64 [2, longest] tensor with a `targetLengths` tensor per row, and input lengths from the mask:
//    `model.FrameMask(mask, logProbs.shape[0]).sum(1)`. The shorter clip's last frames are outputs for zero padding,
//    not speech. With the full frame count CTC would align that clip's text over the padding frames too, so its loss
//    and gradient would depend on how much padding the batch happened to need, not on the clip alone.
//    </details>
// 4. Vary the window of the long-recording cell: 2 s with 0.5 s strides, 8 s with 2 s. Where do errors appear, and
//    why near window edges?
//    <details><summary>Hint</summary>
//
//    `recognizer.TranscribeLong(recording, chunkSeconds: 2, strideSeconds: 0.5)` and `(…, 8, 2)`, and the WER of each
//    against the joined transcripts. A frame near a window's edge sees context on one side only (the positional
//    convolution and the attention stop there), and a word cut by the edge is heard in part; the strides exist so
//    that those frames are dropped. With 2 s windows only 1 s per window is kept, so many more frames sit close to an
//    edge. Compare the transcripts word by word to find where the errors sit. With the small offline model, look at
//    the flite clips of the recording: its LibriVox transcripts are wrong in every window size.
//    </details>
//
// ## Playground

// Cell 28
// Your experiments here: recognizer, model, clip, logits, transcript, transcripts and speechFolder are defined.
recognizer.Transcribe(WavFile.Read(Path.Combine(speechFolder, "flite-slt-weather.wav"))).Display();

// --- **Previous:** [12 · Encoders and multimodal](12-encoders-and-multimodal.ipynb) · **Next:** [14 · Deployment and
// serving](14-deployment-and-serving.ipynb) · [Chapter list](../README.md#chapters)
