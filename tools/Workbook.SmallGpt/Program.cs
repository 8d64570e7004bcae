using Workbook.LanguageModels;

// Options: SmallModelCommandLine.Usage; the defaults are SmallGptSettings's (the shipped data/models/kjv-gpt).
return SmallModelCommandLine.Main("tools/train-small-gpt.sh", args, new SmallGptSettings(), SmallGptPretraining.Run);
