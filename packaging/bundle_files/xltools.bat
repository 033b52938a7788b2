@echo off
rem Run xltools from this folder's "venv" (made by install.bat), from any directory:
rem   xltools.bat check "D:\2025 reports\a.xlsx"   the arguments pass through unchanged
rem   xltools.bat                                  (a double click) a console where "xltools ..." works
rem ASCII only, every path quoted, PYTHONIOENCODING as in install.bat (see there why).
setlocal
set "PYTHONIOENCODING=:replace"
set "PYTHONUTF8="
set "PY=%~dp0venv\Scripts\python.exe"
if not exist "%PY%" goto missing
if "%~1"=="" goto console
"%PY%" -m xltools %*
exit /b %ERRORLEVEL%

:console
rem python -m xltools, not venv\Scripts\xltools.exe: the .exe remembers the folder it was installed
rem in and stops working when the folder is moved.
doskey xltools="%PY%" -m xltools $*
title xltools
"%PY%" -m xltools --help
cmd /k
exit /b 0

:missing
call :say "%~dp0tools\not-installed.txt"
call :pause_if_clicked
exit /b 2

:say
for /f "tokens=*" %%a in ('chcp') do for %%b in (%%a) do set "CP=%%b"
set "CP=%CP:.=%"
chcp 65001 >nul
type "%~1"
chcp %CP% >nul
exit /b 0

:pause_if_clicked
setlocal EnableDelayedExpansion
if /i not "!CMDCMDLINE:/c=!"=="!CMDCMDLINE!" pause
endlocal
exit /b 0
