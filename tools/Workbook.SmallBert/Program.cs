using Workbook.Encoders;
using Workbook.LanguageModels;

// Options: SmallModelCommandLine.Usage; the defaults are SmallBertSettings's (the shipped data/models/kjv-bert).
return SmallModelCommandLine.Main("tools/train-small-bert.sh", args, new SmallBertSettings(), SmallBertPretraining.Run);
