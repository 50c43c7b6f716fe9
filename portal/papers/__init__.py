"""The meeting's papers (plan 5.1): the program (chương trình) and the script (kịch bản
điều hành), drafted from the record, issued through the document register."""
