from tradecli.cli import main

main()
