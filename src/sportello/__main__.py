from sportello.cli import main

main()
