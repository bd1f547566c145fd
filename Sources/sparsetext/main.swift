import SparseTextCLI

SparseTextCommand.main()
