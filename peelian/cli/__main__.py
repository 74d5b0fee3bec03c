from peelian.cli import main

main()
